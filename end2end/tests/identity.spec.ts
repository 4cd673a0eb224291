import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createStaff, randomPhone, randomRut, unique, PASSWORD, type Building } from "./data";
import type { Page } from "@playwright/test";

async function fillSignup(page: Page, b: Building, email: string, rut: string) {
  await page.getByLabel("Nombres").fill("Valentina");
  await page.getByLabel("Apellidos").fill("Muñoz Araya");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill("Mi.Estacionamiento.2026");
  await page.getByLabel("RUT").fill(rut);
  await page.getByLabel("Celular (WhatsApp)").fill(randomPhone());
  await page.getByLabel("Edificio").selectOption({ label: `${b.name} — Av. Providencia 1234, Providencia` });
  const unit = b.units.find((u) => u.number === "102");
  await page.getByLabel("Departamento").selectOption(unit!.id);
}

async function logIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/ingresar");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(password);
  await page.getByRole("button", { name: "Ingresar" }).click();
}

test.describe("residents sign up and are approved", () => {
  test("sign-up with a bad RUT shows the field error; a valid sign-up ends pending; the admin approves; the resident logs in", async ({ page }) => {
    const b = await createBuilding();
    const admin = await createStaff("building_admin", b.id);
    const email = `valentina.${unique()}@prueba.cl`;

    await page.goto("/registro");
    await waitForHydration(page);
    await expectAccessible(page);
    await fillSignup(page, b, email, "12.345.678-9");
    await page.getByLabel("RUT").blur();
    await expect(page.locator("#rut-error")).toContainText("RUT");
    await expect(page.getByLabel("RUT")).toHaveAttribute("aria-invalid", "true");

    await page.getByLabel("RUT").fill(randomRut());
    await page.getByRole("button", { name: "Crear cuenta" }).click();
    await expect(page).toHaveURL(/\/ingresar\?registro=pendiente/);
    await expect(page.getByRole("status")).toContainText("pendiente de aprobación");

    // Pending accounts cannot log in yet.
    await logIn(page, email, "Mi.Estacionamiento.2026");
    await expect(page.getByRole("alert")).toContainText("pendiente de aprobación");

    // The building admin approves.
    await logIn(page, admin.email);
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByTestId("pending-count")).toContainText("1 solicitud pendiente");
    await page.getByRole("link", { name: "Residentes por aprobar" }).click();
    const card = page.getByTestId("pending-resident").filter({ hasText: email });
    await expect(card).toContainText("102");
    await expect(card).toContainText("•");
    await expectAccessible(page);
    await card.getByRole("button", { name: /^Aprobar/ }).click();
    await expect(page.getByText("No hay cuentas pendientes de aprobación.")).toBeVisible();

    // The resident hears about it by WhatsApp (development outbox).
    // Delivery is asynchronous (outbox → worker), so look until it shows up.
    await expect(async () => {
      await page.goto("/admin/mensajes");
      await expect(page.getByTestId("message").filter({ hasText: `la administración de ${b.name} aprobó tu cuenta` })).toHaveCount(1, { timeout: 500 });
    }).toPass({ timeout: 10_000 });
    await expectAccessible(page);
    await page.getByRole("button", { name: /^Salir/ }).click();
    await expect(page).toHaveURL(/\/$/);

    // Now the resident logs in and lands on their home.
    await logIn(page, email, "Mi.Estacionamiento.2026");
    await expect(page).toHaveURL(/\/buscar$/);
    await expect(page.getByRole("heading", { name: "Buscar estacionamiento" })).toBeVisible();
    await expectAccessible(page);
    await page.getByRole("link", { name: "Mi cuenta" }).click();
    await expect(page.getByTestId("account")).toContainText(b.name);
    await expect(page.getByTestId("account")).toContainText("102");
    await expectAccessible(page);
  });
});

test.describe("login", () => {
  test("every role lands on its home", async ({ page }) => {
    const b = await createBuilding();
    const homes: [string, string | null, RegExp][] = [
      ["concierge", b.id, /\/conserjeria$/],
      ["building_admin", b.id, /\/admin$/],
      ["support", null, /\/admin$/],
      ["admin", null, /\/admin$/],
      ["sales_rep", null, /\/ventas$/],
    ];
    for (const [role, building, home] of homes) {
      const account = await createStaff(role, building);
      await logIn(page, account.email);
      await expect(page, role).toHaveURL(home);
      await page.getByRole("button", { name: /^Salir/ }).click();
      await expect(page).toHaveURL(/\/$/);
    }
  });

  test("five wrong passwords show the locked message", async ({ page }) => {
    const b = await createBuilding();
    const account = await createStaff("concierge", b.id);
    await page.goto("/ingresar");
    await expectAccessible(page);
    for (let i = 1; i <= 4; i++) {
      await logIn(page, account.email, "una-clave-equivocada");
      await expect(page.getByRole("alert")).toContainText("Correo o contraseña incorrectos");
    }
    await logIn(page, account.email, "una-clave-equivocada");
    await expect(page.getByRole("alert")).toContainText("bloqueada temporalmente");
    await logIn(page, account.email);
    await expect(page.getByRole("alert")).toContainText("bloqueada temporalmente");
  });

  test("after logout the back button shows no private data", async ({ page }) => {
    const b = await createBuilding();
    const account = await createStaff("concierge", b.id, "Rodrigo Fuentes");
    await logIn(page, account.email);
    await expect(page).toHaveURL(/\/conserjeria$/);
    await page.goto("/cuenta");
    await expect(page.getByTestId("account")).toContainText("Rodrigo Fuentes");
    await page.getByRole("button", { name: /^Salir/ }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goBack();
    // Sent to log in, carrying the page it came from so a new login lands back there.
    await expect(page).toHaveURL(/\/ingresar\?volver=(\/|%2F)cuenta$/);
    await expect(page.getByText("Rodrigo Fuentes")).toHaveCount(0);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign-up and login forms work as plain forms", async ({ page }) => {
    const b = await createBuilding();
    const email = `sinjs.${unique()}@prueba.cl`;
    await page.goto("/registro");
    await fillSignup(page, b, email, "1-1");
    await page.getByRole("button", { name: "Crear cuenta" }).click();
    // The server refuses the RUT and sends the form back with the message.
    await expect(page).toHaveURL(/\/registro/);
    await expect(page.locator("#rut-error")).not.toBeEmpty();

    await fillSignup(page, b, email, randomRut());
    await page.getByRole("button", { name: "Crear cuenta" }).click();
    await expect(page).toHaveURL(/\/ingresar\?registro=pendiente/);
    await expect(page.getByRole("status")).toContainText("pendiente de aprobación");

    const account = await createStaff("building_admin", b.id);
    await logIn(page, account.email, "equivocada-1234");
    await expect(page.getByRole("alert")).toContainText("Correo o contraseña incorrectos");
    await logIn(page, account.email);
    await expect(page).toHaveURL(/\/admin$/);
    await page.getByRole("link", { name: "Residentes por aprobar" }).click();
    await page.getByTestId("pending-resident").filter({ hasText: email }).getByRole("button", { name: /^Aprobar/ }).click();
    await expect(page.getByTestId("pending-resident").filter({ hasText: email })).toHaveCount(0);
  });
});
