import { test, expect, expectAccessible, markWithoutJavaScript, waitForHydration } from "./fixtures";
import { createBuilding, createStaff, randomPhone, unique, type Account } from "./data";
import { RESIDENT_PASSWORD, signUpApprovedResident } from "./journeys";
import type { Browser, Page } from "@playwright/test";
import { readFile } from "node:fs/promises";

/**
 * Issue 13 (Ley 21.719): a resident reads and downloads their data, corrects their phone with
 * the WhatsApp code, turns reminders off and asks for erasure; the building admin processes the
 * request and the resident can no longer log in. The e2e server runs with APP_ENV=development,
 * so a platform admin reads the code the development outbox "sent" (as secrets.spec.ts does).
 */

async function logIn(page: Page, email: string, password: string) {
  await page.goto("/ingresar");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(password);
  await page.getByRole("button", { name: "Ingresar" }).click();
}

async function staffPage(browser: Browser, account: Account, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const page = await (await browser.newContext(options)).newPage();
  if (options.javaScriptEnabled === false) markWithoutJavaScript(page);
  await logIn(page, account.email, account.password);
  await expect(page).toHaveURL(/\/admin$/);
  return page;
}

/** The code of the newest phone-change message to `phone`, read by a platform admin. */
async function codeSentTo(browser: Browser, phone: string): Promise<string> {
  const admin = await staffPage(browser, await createStaff("admin", null, "Vicente Admin"));
  const recipient = `•••• ${phone.replace(/\D/g, "").slice(-4)}`;
  let code: string | undefined;
  await expect(async () => {
    await admin.goto("/admin/mensajes");
    const message = admin.getByTestId("message").filter({ hasText: "Código de cambio de celular" }).filter({ hasText: recipient });
    const text = (await message.first().locator(".message__body").innerText()).trim();
    code = /Tu código es: \*(\d{6})\*/.exec(text)?.[1];
    expect(code, text).toMatch(/^\d{6}$/);
  }).toPass({ timeout: 15_000 });
  await admin.context().close();
  return code!;
}

async function processErasure(browser: Browser, buildingId: string, name: string, javaScriptEnabled: boolean) {
  const admin = await staffPage(browser, await createStaff("building_admin", buildingId, "Marta Administra"), { javaScriptEnabled });
  await admin.goto("/admin");
  await admin.getByRole("link", { name: "Solicitudes de eliminación" }).click();
  await expect(admin).toHaveURL(/\/admin\/privacidad$/);
  if (javaScriptEnabled) await waitForHydration(admin);
  const row = admin.getByTestId("erasure-requests").getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Pendiente");
  await expect(row).toContainText("días");
  await expectAccessible(admin);
  await row.getByRole("link", { name: "Procesar" }).click();
  await expect(admin.getByTestId("confirm-erasure")).toContainText(name);
  await admin.getByRole("button", { name: "Sí, eliminar la cuenta" }).click();
  await expect(admin.getByText("Solicitud procesada")).toBeVisible();
  await expect(admin.getByTestId("erasure-requests").getByRole("row").filter({ hasText: "Procesada" })).toHaveCount(1);
  await admin.context().close();
}

async function cannotLogIn(page: Page, email: string) {
  await logIn(page, email, RESIDENT_PASSWORD);
  await expect(page).toHaveURL(/\/ingresar/);
  await expect(page.getByText("Correo o contraseña incorrectos.")).toBeVisible();
}

test("a resident downloads their data, changes their phone with the code, asks for erasure; the admin processes it", async ({ page, browser }) => {
  const b = await createBuilding();
  const email = await signUpApprovedResident(page, b, "Florencia", "Undurraga");

  // Access: the readable page and the JSON file.
  await page.goto("/cuenta");
  await page.getByRole("link", { name: "Ver y descargar mis datos" }).click();
  await expect(page).toHaveURL(/\/cuenta\/mis-datos$/);
  await waitForHydration(page);
  await expect(page.getByTestId("my-profile")).toContainText(email);
  await expect(page.getByTestId("my-profile")).toContainText("Undurraga");
  await expectAccessible(page);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-json").click()]);
  const data = JSON.parse(await readFile((await download.path())!, "utf8"));
  expect(data.profile.email).toBe(email);
  expect(data.profile.last_name).toBe("Undurraga");
  expect(data.profile.rut).toMatch(/^\d{1,2}\.\d{3}\.\d{3}-[\dK]$/);
  expect(data.sign_ins.length).toBeGreaterThan(0);

  // Opposition: no more reminders.
  await page.getByRole("button", { name: "No quiero recordatorios" }).click();
  await expect(page.getByTestId("reminders-state")).toContainText("No recibes recordatorios");

  // Rectification: a wrong password is refused; the right one sends a code to the new phone.
  const phone = randomPhone();
  await page.goto("/cuenta/celular");
  await waitForHydration(page);
  await page.getByLabel("Celular nuevo").fill(phone);
  await page.getByLabel("Tu contraseña actual").fill("No.Es.Mi.Clave.2026");
  await page.getByRole("button", { name: "Enviar código" }).click();
  await expect(page.locator("#password-error")).toHaveText("La contraseña no es correcta.");
  await page.getByLabel("Tu contraseña actual").fill(RESIDENT_PASSWORD);
  await page.getByRole("button", { name: "Enviar código" }).click();
  await expect(page).toHaveURL(/\/cuenta\/celular\/codigo$/);
  await expectAccessible(page);
  const code = await codeSentTo(browser, phone);
  await waitForHydration(page);
  await page.getByLabel("Código de 6 dígitos").fill(code === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Confirmar celular" }).click();
  await expect(page.locator("#code-error")).toContainText("El código no es válido");
  await page.getByLabel("Código de 6 dígitos").fill(code);
  await page.getByRole("button", { name: "Confirmar celular" }).click();
  await expect(page).toHaveURL(/\/cuenta\/contacto\?celular=actualizado/);
  await page.goto("/cuenta");
  await expect(page.getByTestId("account")).toContainText(phone.replace(/\D/g, "").slice(-4));

  // Erasure: what goes and what stays first, then the password.
  await page.goto("/cuenta/eliminar");
  await waitForHydration(page);
  await expect(page.getByTestId("will-delete")).toContainText("RUT");
  await expect(page.getByTestId("will-keep")).toContainText("montos");
  await expectAccessible(page);
  await page.getByLabel("Tu contraseña actual").fill(RESIDENT_PASSWORD);
  await page.getByRole("button", { name: "Solicitar la eliminación de mi cuenta" }).click();
  await expect(page).toHaveURL(/solicitud=enviada/);
  await expect(page.getByTestId("erasure-pending")).toContainText("Plazo de respuesta");

  await processErasure(browser, b.id, "Florencia Undurraga", true);

  // Her session is over and the account no longer exists for the login.
  await page.goto("/cuenta");
  await expect(page).toHaveURL(/\/ingresar/);
  await cannotLogIn(page, email);
});

test("the privacy notice is linked from sign-up and generated from the registry", async ({ page }) => {
  await page.goto("/registro");
  await page.getByTestId("privacy-notice-link").getByRole("link", { name: "aviso de privacidad" }).click();
  await expect(page).toHaveURL(/\/privacidad$/);
  await expect(page.getByTestId("notice-account")).toContainText("Cifrado (AES-256-GCM)");
  await expect(page.getByTestId("notice-visitor")).toContainText("Patente de la visita");
  await expect(page.getByTestId("notice-term")).toContainText("30 días corridos");
  await expectAccessible(page);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the privacy forms work as plain forms", async ({ page, browser }) => {
    // Sign-up, approval, four forms and the administration's side: a long journey.
    test.setTimeout(90_000);
    const b = await createBuilding();
    const email = await signUpApprovedResident(page, b, "Ignacio", "Larraín");

    await page.goto("/cuenta/contacto");
    await page.getByLabel("Correo nuevo").fill(`ignacio.nuevo.${unique()}@prueba.cl`);
    await page.getByLabel("Tu contraseña actual").fill("Equivocada.2026.x");
    await page.getByRole("button", { name: "Cambiar correo" }).click();
    await expect(page.locator("#password-error")).toHaveText("La contraseña no es correcta.");
    const newEmail = `ignacio.nuevo.${unique()}@prueba.cl`;
    await page.getByLabel("Correo nuevo").fill(newEmail);
    await page.getByLabel("Tu contraseña actual").fill(RESIDENT_PASSWORD);
    await page.getByRole("button", { name: "Cambiar correo" }).click();
    await expect(page).toHaveURL(/correo=actualizado/);
    await expect(page.getByText("Tu correo fue actualizado")).toBeVisible();

    await page.goto("/cuenta/celular");
    await page.getByLabel("Celular nuevo").fill(randomPhone());
    await page.getByLabel("Tu contraseña actual").fill("Equivocada.2026.x");
    await page.getByRole("button", { name: "Enviar código" }).click();
    await expect(page.locator("#password-error")).toHaveText("La contraseña no es correcta.");

    await page.goto("/cuenta/mis-datos");
    await expect(page.getByTestId("my-profile")).toContainText(newEmail);
    await page.getByRole("button", { name: "No quiero recordatorios" }).click();
    await expect(page).toHaveURL(/recordatorios=guardado/);
    await expect(page.getByTestId("reminders-state")).toContainText("No recibes recordatorios");

    await page.goto("/cuenta/eliminar");
    await page.getByLabel("Tu contraseña actual").fill(RESIDENT_PASSWORD);
    await page.getByRole("button", { name: "Solicitar la eliminación de mi cuenta" }).click();
    await expect(page.getByTestId("erasure-pending")).toBeVisible();
    await expectAccessible(page);

    await processErasure(browser, b.id, "Ignacio Larraín", false);
    await cannotLogIn(page, newEmail);
    expect(email).not.toBe(newEmail);
  });
});
