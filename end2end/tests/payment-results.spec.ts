import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createResident, sql, type Building } from "./data";
import { blocksAfterTomorrow, logIn } from "./admin";
import { bookToSimulator } from "./journeys";
import type { Page } from "@playwright/test";

/**
 * The payment's other outcomes, through the built-in simulator: left pending (the spot stays
 * held for the resident, who can pay later) and rejected (the booking is cancelled and the spot
 * is free again); and a "fallido" return while the payment is still pending, which offers to
 * pay again.
 */

// Long journeys (many pages, logins and password hashes each): on a busy machine they need more than 30 s.
test.describe.configure({ timeout: 180_000 });

/** A building with Día ($3.000, 08:00) and Noche ($5.000, 20:00) the day after tomorrow, and
 *  one of its residents logged in. */
async function setUp(page: Page): Promise<{ b: Building; date: string }> {
  const b = await createBuilding("Torre Pagos");
  const date = await blocksAfterTomorrow(b);
  await logIn(page, (await createResident(b)).email);
  await expect(page).toHaveURL(/\/buscar$/);
  return { b, date };
}

/** The booking id in the current result page's `?reserva=`. */
function bookingId(page: Page): string {
  return new URL(page.url()).searchParams.get("reserva") ?? "";
}

async function statusOf(id: string): Promise<{ status: string; payment_status: string }> {
  const [row] = await sql<{ status: string; payment_status: string }>("select status, payment_status from bookings where id = $1", [id]);
  return row;
}

/** The card of the block starting at `start` on `date`. */
function card(page: Page, start: string) {
  return page.getByTestId("block-card").filter({ hasText: start });
}

test("a payment left pending holds the spot; rejected, it frees it; a pending one can be paid from «fallido»", async ({ page }) => {
  const { b, date } = await setUp(page);

  // Left pending: the result page says so, with the hold, and offers to pay now.
  await bookToSimulator(page, date, "20:00");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Dejar pendiente" }).click();
  await expect(page).toHaveURL(/\/pago\/pendiente\?reserva=/);
  const held = bookingId(page);
  await expect(page.getByRole("heading", { name: "Pago pendiente" })).toBeVisible();
  await expect(page.getByText(/Guardamos el estacionamiento para ti hasta las \d{2}:\d{2}/)).toBeVisible();
  await expect(page.getByTestId("amount")).toHaveText("$5.000");
  await expect(page.locator("dl.facts")).toContainText(b.name);
  await expectAccessible(page);
  expect(await statusOf(held)).toEqual({ status: "pending", payment_status: "pending" });

  // Nobody else can take the held spot meanwhile.
  await page.goto(`/buscar?fecha=${date}`);
  await expect(card(page, "20:00")).toContainText("No disponible");
  await expect(card(page, "20:00").getByRole("link", { name: /^Reservar/ })).toHaveCount(0);

  // "Pagar ahora" goes back to the checkout, where the resident rejects the payment.
  await page.goto(`/pago/pendiente?reserva=${held}`);
  await page.getByRole("link", { name: "Pagar ahora" }).click();
  await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();
  await page.getByRole("button", { name: "Rechazar" }).click();
  await expect(page).toHaveURL(new RegExp(`/pago/fallido\\?reserva=${held}`));
  await expect(page.getByRole("heading", { name: "Pago no completado" })).toBeVisible();
  await expect(page.getByText("La reserva no quedó confirmada y el estacionamiento se liberó.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Intentar pagar nuevamente" })).toHaveCount(0);
  await expectAccessible(page);
  expect((await statusOf(held)).status).toBe("cancelled");

  // The spot is free again, and the booking shows as cancelled.
  await page.getByRole("link", { name: "Buscar estacionamiento" }).click();
  await expect(page).toHaveURL(/\/buscar$/);
  await page.goto(`/buscar?fecha=${date}`);
  await expect(card(page, "20:00").getByRole("link", { name: /^Reservar/ })).toBeVisible();
  await page.goto("/mis-reservas");
  await expect(page.getByTestId("my-booking").filter({ hasText: "KHJT-52" }).first()).toContainText("Cancelada");

  // A gateway may send the resident to «fallido» while the payment is still pending: the
  // booking is still held, so the page offers to pay again, and paying confirms it.
  await bookToSimulator(page, date, "08:00", "Camila Rojas", "BBCL-34");
  await page.getByRole("button", { name: "Dejar pendiente" }).click();
  await expect(page).toHaveURL(/\/pago\/pendiente\?reserva=/);
  const pending = bookingId(page);
  await page.goto(`/pago/fallido?reserva=${pending}`);
  await expect(page.getByRole("heading", { name: "Pago no completado" })).toBeVisible();
  await expect(page.getByText("Tu reserva sigue guardada por unos minutos: puedes intentar pagar nuevamente.")).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("link", { name: "Intentar pagar nuevamente" }).click();
  await page.getByRole("button", { name: "Aprobar" }).click();
  await expect(page.getByRole("heading", { name: "Reserva confirmada" })).toBeVisible();
  expect(await statusOf(pending)).toEqual({ status: "confirmed", payment_status: "paid" });
  // «pendiente» of a confirmed booking says what really happened.
  await page.goto(`/pago/pendiente?reserva=${pending}`);
  await expect(page.getByRole("heading", { name: "Reserva confirmada" })).toBeVisible();
});

test("another resident cannot open someone's payment result", async ({ page, browser }) => {
  const { b, date } = await setUp(page);
  await bookToSimulator(page, date, "20:00");
  await page.getByRole("button", { name: "Dejar pendiente" }).click();
  await expect(page).toHaveURL(/\/pago\/pendiente\?reserva=/);
  const held = bookingId(page);

  const other = await browser.newContext();
  const neighbour = await other.newPage();
  await logIn(neighbour, (await createResident(b)).email);
  await expect(neighbour).toHaveURL(/\/buscar$/);
  for (const path of [`/pago/pendiente?reserva=${held}`, `/pago/fallido?reserva=${held}`]) {
    await neighbour.goto(path);
    await expect(neighbour.getByRole("heading", { name: /Pago pendiente|Pago no completado/ })).toHaveCount(0);
    await expect(neighbour.getByText("KHJT-52")).toHaveCount(0);
  }
  await other.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("leave pending, pay later, reject: plain forms and links", async ({ page }) => {
    const { date } = await setUp(page);
    await bookToSimulator(page, date, "20:00", "Matías Rivas", "BB-BB-12");
    await page.getByRole("button", { name: "Dejar pendiente" }).click();
    await expect(page.getByRole("heading", { name: "Pago pendiente" })).toBeVisible();
    const held = bookingId(page);
    await page.getByRole("link", { name: "Pagar ahora" }).click();
    await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();
    await page.getByRole("button", { name: "Rechazar" }).click();
    await expect(page.getByRole("heading", { name: "Pago no completado" })).toBeVisible();
    await expect(page.getByText("La reserva no quedó confirmada y el estacionamiento se liberó.")).toBeVisible();
    expect((await statusOf(held)).status).toBe("cancelled");
    await page.goto(`/buscar?fecha=${date}`);
    await expect(card(page, "20:00").getByRole("link", { name: /^Reservar/ })).toBeVisible();
  });
});
