import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createStaff, randomPhone, unique } from "./data";
import { expectAudited, logInStaff } from "./admin";

const INITIAL_PASSWORD = "Porton.Norte.2026";

test("an admin creates a concierge, who logs in at the gate; a ban ends their open session", async ({ page, browser }) => {
  test.slow();
  const b = await createBuilding("Torre Personal");
  const admin = await createStaff("admin", null);
  const email = `conserje.${unique()}@prueba.cl`;

  await logInStaff(page, admin.email);
  await page.getByRole("link", { name: "Personal", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/personal$/);
  await waitForHydration(page);
  await expectAccessible(page);
  const form = page.getByTestId("staff-form");
  await form.getByLabel("Nombre completo").fill("Jorge Muñoz");
  await form.getByLabel("Correo electrónico").fill(email);
  await form.getByLabel("Celular (opcional)").fill(randomPhone());
  await form.getByLabel("Rol").selectOption("concierge");
  await form.getByLabel("Edificio").selectOption({ label: b.name });
  await form.getByLabel("Contraseña inicial").fill(INITIAL_PASSWORD);
  await form.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page.getByText("Cuenta creada.")).toBeVisible();
  await page.goto(`/admin/personal?buscar=${encodeURIComponent(email)}`);
  const row = page.getByTestId("staff-row").filter({ hasText: email });
  await expect(row).toContainText("Conserjería");
  await expect(row).toContainText(b.name);
  await expect(row).toContainText("Activo");

  // The new concierge logs in with the initial password and lands on the gate.
  const other = await browser.newContext();
  const cp = await other.newPage();
  await cp.goto("/ingresar");
  await cp.getByLabel("Correo electrónico").fill(email);
  await cp.getByLabel("Contraseña").fill(INITIAL_PASSWORD);
  await cp.getByRole("button", { name: "Ingresar" }).click();
  await expect(cp).toHaveURL(/\/conserjeria$/);
  await expect(cp.getByText(b.name)).toBeVisible();

  // The admin bans them, after the confirmation step.
  await waitForHydration(page);
  await row.getByRole("link", { name: "Bloquear a Jorge Muñoz" }).click();
  const confirm = page.getByTestId("confirm-staff-ban");
  await expect(confirm).toBeVisible();
  await expectAccessible(page);
  await confirm.getByLabel("Motivo del bloqueo").fill("Credenciales compartidas");
  await confirm.getByRole("button", { name: "Sí, bloquear" }).click();
  await expect(page.getByText("Cambio guardado.")).toBeVisible();
  await page.goto(`/admin/personal?buscar=${encodeURIComponent(email)}`);
  await expect(row).toContainText("Bloqueado");
  await expect(row).toContainText("Credenciales compartidas");

  // Their open session is over on the next request.
  await cp.goto("/conserjeria");
  await expect(cp).toHaveURL(/\/ingresar/);
  await other.close();

  await expectAudited(page, "staff.created");
  await expectAudited(page, "staff.banned");
});

test("a building admin creates concierge accounts of their own building only", async ({ page }) => {
  const b = await createBuilding("Torre Propia");
  const manager = await createStaff("building_admin", b.id);
  const email = `porteria.${unique()}@prueba.cl`;
  await logInStaff(page, manager.email);
  await page.goto("/admin/personal");
  await waitForHydration(page);
  const form = page.getByTestId("staff-form");
  await expect(form).toContainText(`Rol: Conserjería · Edificio: ${b.name}`);
  await expect(form.getByLabel("Rol")).toHaveCount(0);
  await form.getByLabel("Nombre completo").fill("Rosa Vidal");
  await form.getByLabel("Correo electrónico").fill(email);
  await form.getByLabel("Contraseña inicial").fill(INITIAL_PASSWORD);
  await form.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page.getByText("Cuenta creada.")).toBeVisible();
  const row = page.getByTestId("staff-row").filter({ hasText: email });
  await expect(row).toContainText(b.name);
  // Their own account is listed, without a ban or role button.
  const own = page.getByTestId("staff-row").filter({ hasText: manager.email });
  await expect(own.getByRole("link")).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the create form works as a plain form, with field errors", async ({ page }) => {
    const b = await createBuilding("Torre Sin JS");
    const admin = await createStaff("admin", null);
    await logInStaff(page, admin.email);
    await page.goto("/admin/personal");
    const form = page.getByTestId("staff-form");
    // An e-mail that already has an account, and a password that is too short.
    await form.getByLabel("Nombre completo").fill("Jorge Muñoz");
    await form.getByLabel("Correo electrónico").fill(admin.email);
    await form.getByLabel("Rol").selectOption("concierge");
    await form.getByLabel("Edificio").selectOption({ label: b.name });
    await form.getByLabel("Contraseña inicial").fill("corta");
    await form.getByRole("button", { name: "Crear cuenta" }).click();
    await expect(page.locator("#password-error")).toContainText("al menos 12 caracteres");
    await page.getByTestId("staff-form").getByLabel("Nombre completo").fill("Jorge Muñoz");
    await page.getByTestId("staff-form").getByLabel("Correo electrónico").fill(admin.email);
    await page.getByTestId("staff-form").getByLabel("Rol").selectOption("concierge");
    await page.getByTestId("staff-form").getByLabel("Edificio").selectOption({ label: b.name });
    await page.getByTestId("staff-form").getByLabel("Contraseña inicial").fill(INITIAL_PASSWORD);
    await page.getByTestId("staff-form").getByRole("button", { name: "Crear cuenta" }).click();
    await expect(page.locator("#email-error")).toContainText("Ya existe una cuenta con este correo.");
    const email = `nojs.${unique()}@prueba.cl`;
    await page.getByTestId("staff-form").getByLabel("Nombre completo").fill("Jorge Muñoz");
    await page.getByTestId("staff-form").getByLabel("Correo electrónico").fill(email);
    await page.getByTestId("staff-form").getByLabel("Rol").selectOption("concierge");
    await page.getByTestId("staff-form").getByLabel("Edificio").selectOption({ label: b.name });
    await page.getByTestId("staff-form").getByLabel("Contraseña inicial").fill(INITIAL_PASSWORD);
    await page.getByTestId("staff-form").getByRole("button", { name: "Crear cuenta" }).click();
    await expect(page.getByText("Cuenta creada.")).toBeVisible();
  });
});
