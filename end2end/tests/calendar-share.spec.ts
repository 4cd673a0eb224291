import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, sql } from "./data";
import { logIn } from "./admin";
import { readFileSync } from "node:fs";
import type { Download, Locator, Page } from "@playwright/test";

/** A confirmed booking starting in three days and its resident, logged in. */
async function setUp(page: Page): Promise<{ id: string; token: string; address: string }> {
  const b = await createBuilding("Torre Calendario");
  const booking = await createConfirmedBooking(b, "KHJT52", 3 * 24 * 60, 11 * 60);
  const [row] = await sql<{ email: string; token: string }>(
    "select u.email, k.guest_pass_token as token from bookings k join users u on u.id = k.resident_id where k.id = $1",
    [booking.id],
  );
  await logIn(page, row.email);
  await expect(page).toHaveURL(/\/buscar$/);
  return { id: booking.id, token: row.token, address: "Av. Providencia 1234, Providencia" };
}

async function downloaded(page: Page, link: Locator): Promise<{ file: Download; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const path = await file.path();
  return { file, text: readFileSync(path, "utf8") };
}

/** What every booking file must be: CRLF lines of at most 75 octets, one event with the
 *  building's address (comma escaped) and UTC instants. */
function expectCalendar(text: string, events = 1): void {
  expect(text.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")).toBe(true);
  expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
  for (const line of text.slice(0, -2).split("\r\n")) {
    expect(line).not.toMatch(/[\r\n]/);
    expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
  }
  expect(text.split("BEGIN:VEVENT\r\n").length - 1).toBe(events);
  const unfolded = text.replace(/\r\n /g, "");
  expect(unfolded).toContain("LOCATION:Av. Providencia 1234\\, Providencia\r\n");
  expect(unfolded).toMatch(/\r\nDTSTART:\d{8}T\d{6}Z\r\n/);
  expect(unfolded).toMatch(/\r\nDTEND:\d{8}T\d{6}Z\r\n/);
  expect(unfolded).toMatch(/\r\nUID:reserva-[0-9a-f-]{36}@estacionate\r\n/);
  expect(unfolded).not.toContain("Pedro");
}

test("the confirmation, the pass and my bookings offer the .ics; Compartir copies the link where there is no share sheet", async ({ page, context, baseURL }) => {
  // Headless Chromium on Linux has no share sheet; make sure of it, and allow the clipboard.
  await page.addInitScript(() => {
    Object.defineProperty(navigator, "share", { value: undefined, configurable: true });
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const { id, token } = await setUp(page);

  await page.goto(`/pago/exito?reserva=${id}`);
  await expect(page.getByRole("heading", { name: "Reserva confirmada" })).toBeVisible();
  await waitForHydration(page);
  await expectAccessible(page);
  const { file, text } = await downloaded(page, page.getByTestId("confirmation-ics"));
  expect(file.suggestedFilename()).toMatch(/^reserva-[0-9a-f]{8}\.ics$/);
  expectCalendar(text);
  expect(text.replace(/\r\n /g, "")).toContain(`URL:${baseURL}/pase/${token}\r\n`);

  await expect(page.getByTestId("share-url")).toHaveValue(`${baseURL}/pase/${token}`);
  await page.getByTestId("share").click();
  await expect(page.getByTestId("share-status")).toHaveText("Enlace copiado. Pégalo en WhatsApp o donde quieras compartirlo.");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/pase/${token}`);
  // The click stayed here: it did not follow the WhatsApp link.
  expect(page.url()).toContain("/pago/exito");

  // The guest pass: the same file, and the same share.
  await page.goto(`/pase/${token}`);
  await expect(page.getByTestId("pass-state")).toHaveText("Pase válido");
  await waitForHydration(page);
  await expectAccessible(page);
  expectCalendar((await downloaded(page, page.getByTestId("pass-ics"))).text);
  await page.evaluate(() => navigator.clipboard.writeText(""));
  await page.getByTestId("share").click();
  await expect(page.getByTestId("share-status")).toContainText("Enlace copiado");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/pase/${token}`);

  // My bookings.
  await page.goto("/mis-reservas");
  expectCalendar((await downloaded(page, page.getByTestId("booking-ics").first())).text);
});

test("where the browser has a share sheet, Compartir opens it with the pass", async ({ page, baseURL }) => {
  await page.addInitScript(() => {
    // A stand-in share sheet that records what it was given.
    Object.defineProperty(navigator, "share", {
      configurable: true,
      value: (data: ShareData) => {
        (window as unknown as { shared: ShareData }).shared = data;
        return Promise.resolve();
      },
    });
  });
  const { token } = await setUp(page);
  await page.goto(`/pase/${token}`);
  await waitForHydration(page);
  await page.getByTestId("share").click();
  const shared = await page.waitForFunction(() => (window as unknown as { shared?: ShareData }).shared);
  expect(await shared.jsonValue()).toMatchObject({ url: `${baseURL}/pase/${token}`, title: "Pase de visita" });
});

test("a resident subscribes to a private feed, renews it and revokes it", async ({ page, request, baseURL }) => {
  await setUp(page);
  await page.goto("/cuenta");
  await waitForHydration(page);
  const panel = page.getByTestId("calendar-feed");
  await expect(panel).toContainText("No tienes un enlace de calendario activo.");
  await panel.getByRole("button", { name: "Generar enlace" }).click();
  const field = panel.getByTestId("feed-url");
  await expect(field).toHaveValue(new RegExp(`^${baseURL}/calendario/[A-Za-z0-9_-]{43}\\.ics$`));
  await expectAccessible(page);
  const first = await field.inputValue();

  // No session needed: a calendar program fetches it.
  const feed = await request.get(first, { headers: { cookie: "" } });
  expect(feed.status()).toBe(200);
  expect(feed.headers()["content-type"]).toBe("text/calendar; charset=utf-8");
  const text = await feed.text();
  expectCalendar(text);
  expect(text).toContain("X-WR-CALNAME:Estacionate: mis reservas\r\n");

  await panel.getByRole("button", { name: "Generar nuevo enlace" }).click();
  await expect(field).not.toHaveValue(first);
  expect((await request.get(first)).status()).toBe(404);
  const second = await field.inputValue();
  expect((await request.get(second)).status()).toBe(200);
  await panel.getByRole("button", { name: "Revocar" }).click();
  await expect(panel).toContainText("No tienes un enlace de calendario activo.");
  const revoked = await request.get(second);
  expect(revoked.status()).toBe(404);
  expect(await revoked.text()).toContain("revocado");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("Compartir is a WhatsApp link with the pass, the link is visible, and the feed forms work", async ({ page, request, baseURL }) => {
    const { id, token } = await setUp(page);
    await page.goto(`/pago/exito?reserva=${id}`);
    const passUrl = `${baseURL}/pase/${token}`;
    await expect(page.getByTestId("share-url")).toHaveValue(passUrl);
    const href = await page.getByTestId("share").getAttribute("href");
    expect(href?.startsWith("https://wa.me/?text=")).toBe(true);
    expect(decodeURIComponent(href?.slice("https://wa.me/?text=".length) ?? "")).toContain(passUrl);
    expectCalendar((await downloaded(page, page.getByTestId("confirmation-ics"))).text);

    await page.goto(`/pase/${token}`);
    await expect(page.getByTestId("share-url")).toHaveValue(passUrl);
    expectCalendar((await downloaded(page, page.getByTestId("pass-ics"))).text);

    await page.goto("/cuenta");
    await page.getByRole("button", { name: "Generar enlace" }).click();
    // The plain form post lands back on the page it came from (leptos_axum leaves an empty query).
    await expect(page).toHaveURL(/\/cuenta\??$/);
    const url = await page.getByTestId("feed-url").inputValue();
    expect((await request.get(url)).status()).toBe(200);
    await page.getByRole("button", { name: "Revocar" }).click();
    await expect(page.getByTestId("calendar-feed")).toContainText("No tienes un enlace de calendario activo.");
    expect((await request.get(url)).status()).toBe(404);
  });
});
