import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createResident, createStaff, PASSWORD } from "./data";
import type { Page } from "@playwright/test";

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

async function logIn(page: Page, email: string) {
  await page.goto("/ingresar");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(PASSWORD);
  await page.getByRole("button", { name: "Ingresar" }).click();
}

test("the concierge verifies a plate, registers the entry and the exit", async ({ page }) => {
  const b = await createBuilding("Torre Portería");
  const concierge = await createStaff("concierge", b.id);
  // The window opens 15 minutes before the start: a booking starting in 10 minutes can enter.
  const booking = await createConfirmedBooking(b, "KHJT52", 10);
  await logIn(page, concierge.email);
  await expect(page).toHaveURL(/\/conserjeria$/);
  await waitForHydration(page);
  await expectAccessible(page);
  await expect(page.getByTestId("arrivals")).toContainText("KHJT-52");

  await page.getByLabel("Patente o código de la reserva").fill("khjt-52");
  await page.getByRole("button", { name: "Verificar" }).click();
  const verdict = page.getByTestId("verdict");
  await expect(verdict).toContainText("AUTORIZADO");
  await expect(verdict).toContainText(booking.spot);
  await expect(verdict).toContainText("Pedro Pérez");
  await expectAccessible(page);
  await verdict.getByRole("button", { name: "Registrar ingreso" }).click();
  await expect(page.getByTestId("inside")).toContainText("KHJT-52");
  await expect(page.getByTestId("arrivals")).not.toContainText("KHJT-52");
  await page.getByTestId("inside").getByRole("button", { name: "Registrar salida" }).click();
  await expect(page.getByTestId("inside")).not.toContainText("KHJT-52");

  // An unknown plate is denied.
  await page.getByLabel("Patente o código de la reserva").fill("ZZZZ 98");
  await page.getByRole("button", { name: "Verificar" }).click();
  await expect(page.getByTestId("verdict")).toContainText("DENEGADO");
  await expect(page.getByTestId("verdict")).toContainText("No hay una reserva");
});

test("a resident cannot open the gate screen", async ({ page }) => {
  const b = await createBuilding("Torre Portería");
  await createConfirmedBooking(b, "KHJT52", 10);
  const resident = await createResident(b);
  await logIn(page, resident.email);
  await expect(page).toHaveURL(/\/buscar$/);
  await page.goto("/conserjeria");
  await expect(page.getByText("No tienes permiso para realizar esta acción.")).toBeVisible();
  await expect(page.getByTestId("arrivals")).toHaveCount(0);
  await expect(page.getByText("KHJT-52")).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("verification and check-in work as plain forms", async ({ page }) => {
    const b = await createBuilding("Torre Portería");
    const concierge = await createStaff("concierge", b.id);
    await createConfirmedBooking(b, "BBBB12", 5);
    await logIn(page, concierge.email);
    await page.getByLabel("Patente o código de la reserva").fill("bb bb 12");
    await page.getByRole("button", { name: "Verificar" }).click();
    await expect(page.getByTestId("verdict")).toContainText("AUTORIZADO");
    await page.getByTestId("verdict").getByRole("button", { name: "Registrar ingreso" }).click();
    await expect(page.getByTestId("inside")).toContainText("BBBB-12");
  });
});

test("the lists update live when another concierge registers an entry", async ({ page, browser }) => {
  const b = await createBuilding("Torre En Vivo");
  const watcher = await createStaff("concierge", b.id, "Jorge Vidal");
  const colleague = await createStaff("concierge", b.id, "Rosa Muñoz");
  await createConfirmedBooking(b, "LVLV22", 10);
  await logIn(page, watcher.email);
  await waitForHydration(page);
  await expect(page.getByTestId("live")).toContainText("En vivo");
  await expect(page.getByTestId("arrivals")).toContainText("LVLV-22");
  await expect(page.getByTestId("inside")).not.toContainText("LVLV-22");
  await expectAccessible(page);

  // The colleague, on another phone, lets the car in.
  const other = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await other.newPage();
  await logIn(phone, colleague.email);
  await phone.getByLabel("Patente o código de la reserva").fill("lvlv22");
  await phone.getByRole("button", { name: "Verificar" }).click();
  await phone.getByTestId("verdict").getByRole("button", { name: "Registrar ingreso" }).click();
  await expect(phone.getByTestId("inside")).toContainText("LVLV-22");
  await other.close();

  // The first screen follows without a reload.
  await expect(page.getByTestId("inside")).toContainText("LVLV-22", { timeout: 10_000 });
  await expect(page.getByTestId("arrivals")).not.toContainText("LVLV-22");
});
