import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createStaff, PASSWORD, sql, type Building } from "./data";
import { signUpApprovedResident } from "./journeys";
import type { Page } from "@playwright/test";

/** A building with one spot, Día/Noche blocks the day after tomorrow (Santiago, more than 24 h
 *  ahead), a ×1,1 pricing rule, and a resident signed up through the form and approved. */
async function setUp(page: Page): Promise<{ b: Building; date: string }> {
  const b = await createBuilding("Torre Reservas");
  const [s] = await sql<{ id: string }>(
    "insert into visitor_spots (building_id, number, map_x, map_y) values ($1, 'V-07', 100, 100) returning id",
    [b.id],
  );
  const [{ date }] = await sql<{ date: string }>(
    "select to_char((now() at time zone 'America/Santiago')::date + 2, 'YYYY-MM-DD') as date",
  );
  await sql(
    `insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
     values ($1, $2, ($3::date + time '08:00') at time zone 'America/Santiago', ($3::date + time '19:00') at time zone 'America/Santiago', 3000),
            ($1, $2, ($3::date + time '20:00') at time zone 'America/Santiago', ($3::date + 1 + time '07:00') at time zone 'America/Santiago', 5000)`,
    [s.id, b.id, date],
  );
  await sql(
    `insert into pricing_rules (building_id, name, priority, starts_at, ends_at, multiplier_bp)
     values ($1, 'Temporada alta', 5, now() - interval '1 day', now() + interval '7 days', 11000)`,
    [b.id],
  );
  await signUpApprovedResident(page, b, "Josefina", "Vergara");
  return { b, date };
}

test("a resident books, pays in the simulator, gets the pass and cancels with the refund shown", async ({ page, browser }) => {
  const { b, date } = await setUp(page);
  await page.goto(`/buscar?fecha=${date}&tipo=`);
  await waitForHydration(page);
  const night = page.getByTestId("block-card").filter({ hasText: "20:00" });
  await expect(night.getByTestId("price")).toHaveText("$5.500");
  await night.getByRole("link", { name: /^Reservar/ }).click();

  await expect(page.getByRole("heading", { name: "Confirmar reserva" })).toBeVisible();
  await expect(page.getByTestId("summary")).toContainText(b.name);
  await expect(page.getByTestId("amount")).toHaveText("$5.500");
  await waitForHydration(page);
  await expectAccessible(page);
  await page.getByLabel("Nombre de tu visita").fill("Matías Rivas");
  await page.getByLabel("Patente").fill("12-XYZ");
  await page.getByLabel("Patente").blur();
  await expect(page.locator("#plate-error")).toContainText("Patente");
  await page.getByLabel("Patente").fill("khjt-52");
  await page.getByLabel("Celular de tu visita (opcional)").fill("9 8765 4321");
  await page.getByRole("button", { name: /Continuar al pago/ }).click();

  await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();
  await expect(page.getByTestId("amount")).toHaveText("$5.500");
  await expectAccessible(page);
  await page.getByRole("button", { name: "Aprobar" }).click();
  await expect(page.getByRole("heading", { name: "Reserva confirmada" })).toBeVisible();
  const code = (await page.getByTestId("confirmation-code").textContent())?.trim() ?? "";
  expect(code).toMatch(/^[23456789A-HJ-NP-Z]{4}-[23456789A-HJ-NP-Z]{4}$/);
  await expect(page.getByText("Patente: KHJT-52")).toBeVisible();
  await expectAccessible(page);

  // The WhatsApp confirmation (development outbox) carries the same code, for visitor and resident.
  const admin = await createStaff("admin", null);
  const staff = await browser.newPage();
  await staff.goto("/ingresar");
  await staff.getByLabel("Correo electrónico").fill(admin.email);
  await staff.getByLabel("Contraseña").fill(PASSWORD);
  await staff.getByRole("button", { name: "Ingresar" }).click();
  await expect(staff).toHaveURL(/\/admin$/);
  await expect(async () => {
    await staff.goto("/admin/mensajes");
    const confirmations = staff.getByTestId("message").filter({ hasText: `Código de acceso: *${code}*` });
    await expect(confirmations).toHaveCount(2, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(staff.getByTestId("message").filter({ hasText: `*${code}*` }).first()).toContainText(b.name);
  await staff.close();

  // My bookings, then the guest pass with its QR code.
  await page.getByRole("link", { name: "Mis reservas" }).click();
  const mine = page.getByTestId("my-booking").first();
  await expect(mine).toContainText("Confirmada");
  await expect(mine.getByTestId("code")).toHaveText(code);
  await expectAccessible(page);
  await mine.getByRole("link", { name: "Ver pase de visita" }).click();
  await expect(page.getByTestId("pass-state")).toHaveText("Pase válido");
  await expect(page.getByTestId("pass-code")).toHaveText(code);
  await expect(page.getByTestId("qr").locator("svg")).toBeVisible();
  await expectAccessible(page);

  // Cancel: more than 24 h ahead, 90 % of $5.500 comes back.
  await page.goto("/mis-reservas");
  await page.getByTestId("my-booking").first().getByRole("link", { name: "Cancelar" }).click();
  await expect(page.getByTestId("refund-amount")).toHaveText("$4.950");
  await expectAccessible(page);
  await page.getByRole("button", { name: "Confirmar cancelación" }).click();
  await expect(page.getByTestId("booking-status")).toContainText("Cancelada");
  await page.goto("/mis-reservas");
  await expect(page.getByTestId("my-booking").first()).toContainText("Cancelada");
});

test("a blocklisted plate is refused with the neutral message", async ({ page }) => {
  const { date } = await setUp(page);
  await page.goto(`/buscar?fecha=${date}`);
  await page.getByTestId("block-card").first().getByRole("link", { name: /^Reservar/ }).click();
  await page.getByLabel("Nombre de tu visita").fill("Visita Sospechosa");
  await page.getByLabel("Patente").fill("zz zz 99");
  await page.getByRole("button", { name: /Continuar al pago/ }).click();
  await expect(page.getByRole("alert")).toHaveText("No es posible completar la reserva. Contacta a la administración.");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the booking form and the simulator work as plain forms", async ({ page }) => {
    const { date } = await setUp(page);
    await page.goto(`/buscar?fecha=${date}`);
    await page.getByTestId("block-card").first().getByRole("link", { name: /^Reservar/ }).click();
    await page.getByLabel("Nombre de tu visita").fill("Matías Rivas");
    await page.getByLabel("Patente").fill("no es patente");
    await page.getByRole("button", { name: /Continuar al pago/ }).click();
    await expect(page.locator("#plate-error")).not.toBeEmpty();
    await page.getByLabel("Nombre de tu visita").fill("Matías Rivas");
    await page.getByLabel("Patente").fill("BB-BB-12");
    await page.getByRole("button", { name: /Continuar al pago/ }).click();
    await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();
    await page.getByRole("button", { name: "Aprobar" }).click();
    await expect(page.getByRole("heading", { name: "Reserva confirmada" })).toBeVisible();
    await expect(page.getByTestId("confirmation-code")).not.toBeEmpty();
  });
});
