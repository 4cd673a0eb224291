import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createStaff, sql, unique } from "./data";
import { logIn, logInStaff, readResetCode } from "./admin";
import { applicant, signUpApprovedApplicant, useFreshClientAddress, type Applicant } from "./journeys";
import type { Browser, Page } from "@playwright/test";

/**
 * A resident who forgot their password gets a 6-digit code by WhatsApp and sets a new one. The
 * e2e server runs with APP_ENV=development, so the WhatsApp goes to the development outbox,
 * where a platform admin reads the code (readResetCode). A wrong code is refused and the code
 * still works; the right one changes the password, ends the resident's open sessions and works
 * only once.
 */

// Long journeys (many pages, logins and password hashes each): on a busy machine they need more than 30 s.
test.describe.configure({ timeout: 180_000 });

const NEW_PASSWORD = "Otra.Clave.Porton.2027";
const BAD_CODE = "El código no es válido o expiró. Solicita uno nuevo.";

/** A resident signed up through the form (so the server holds their phone), logged in on a
 *  phone of their own: a browser context that stays open. */
async function residentWithOpenSession(browser: Browser, first: string): Promise<{ who: Applicant; phone: Page }> {
  const b = await createBuilding("Torre Recuperación");
  const context = await browser.newContext();
  const phone = await context.newPage();
  const who = await signUpApprovedApplicant(phone, b, applicant(first, "Morales"));
  return { who, phone };
}

/** A platform admin's browser, for reading the development outbox. */
async function outboxReader(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logInStaff(page, (await createStaff("admin", null)).email);
  return page;
}

/** Fills the code form (every field: without JavaScript a refused post comes back empty). */
async function submitCode(page: Page, email: string, code: string, password: string) {
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Código de 6 dígitos").fill(code);
  await page.getByLabel("Nueva contraseña").fill(password);
  await page.getByRole("button", { name: "Guardar contraseña" }).click();
}

/** Another 6-digit code than `code`. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

test("a resident resets a forgotten password with the WhatsApp code; open sessions end", async ({ page, browser }) => {
  const { who, phone } = await residentWithOpenSession(browser, "Catalina");
  const admin = await outboxReader(browser);
  await useFreshClientAddress(page);

  // From the login page, ask for a code.
  await page.goto("/ingresar");
  await page.getByRole("link", { name: "¿Olvidaste tu contraseña?" }).click();
  await expect(page).toHaveURL(/\/recuperar$/);
  await waitForHydration(page);
  await expectAccessible(page);
  await page.getByLabel("Correo electrónico").fill(who.email);
  await page.getByRole("button", { name: "Enviar código" }).click();
  await expect(page).toHaveURL(/\/recuperar\/codigo$/);
  await expect(page.getByRole("heading", { name: "Ingresa tu código" })).toBeVisible();
  await waitForHydration(page);
  await expectAccessible(page);
  const code = await readResetCode(admin, who.phone);

  // A wrong code is refused and changes nothing.
  await submitCode(page, who.email, wrong(code), NEW_PASSWORD);
  await expect(page.getByRole("alert")).toHaveText(BAD_CODE);
  await expect(page).toHaveURL(/\/recuperar\/codigo$/);

  // A weak new password is refused on its field.
  await submitCode(page, who.email, code, "corta");
  await expect(page.locator("#password-error")).not.toBeEmpty();

  // The right code sets the new password.
  await submitCode(page, who.email, code, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/ingresar\?clave=actualizada$/);
  await expect(page.getByRole("status")).toHaveText("Tu contraseña fue actualizada. Inicia sesión con la nueva.");

  // The session open on the resident's phone is over.
  await phone.goto("/mis-reservas");
  await expect(phone).toHaveURL(/\/ingresar/);
  await phone.context().close();

  // The code worked once.
  await page.goto("/recuperar/codigo");
  await submitCode(page, who.email, code, "Una.Tercera.Clave.2028");
  await expect(page.getByRole("alert")).toHaveText(BAD_CODE);

  // The old password no longer opens the account; the new one does.
  await logIn(page, who.email, who.password);
  await expect(page.getByRole("alert")).toHaveText("Correo o contraseña incorrectos.");
  await logIn(page, who.email, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/buscar$/);
  await admin.context().close();
});

test("asking for a code for an unknown e-mail answers the same and sends nothing", async ({ page }) => {
  const count = async () => {
    const [row] = await sql<{ resets: number; messages: number }>(
      `select (select count(*)::int from password_resets) as resets,
              (select count(*)::int from notifications where kind = 'password_reset') as messages`,
    );
    return row;
  };
  const before = await count();
  await useFreshClientAddress(page);
  await page.goto("/recuperar");
  await waitForHydration(page);
  await page.getByLabel("Correo electrónico").fill(`nadie.${unique()}@prueba.cl`);
  await page.getByRole("button", { name: "Enviar código" }).click();
  await expect(page).toHaveURL(/\/recuperar\/codigo$/);
  await expect(page.getByText("Si el correo corresponde a una cuenta, enviamos un código de 6 dígitos por WhatsApp.")).toBeVisible();
  // The code and its message are written in the request itself (the outbox), so this is final.
  expect(await count()).toEqual(before);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("asking for the code and setting the password work as plain forms", async ({ page, browser }) => {
    const { who, phone } = await residentWithOpenSession(browser, "Ignacio");
    await phone.context().close();
    const admin = await outboxReader(browser);
    await useFreshClientAddress(page);
    await page.goto("/recuperar");
    await page.getByLabel("Correo electrónico").fill(who.email);
    await page.getByRole("button", { name: "Enviar código" }).click();
    await expect(page).toHaveURL(/\/recuperar\/codigo$/);
    const code = await readResetCode(admin, who.phone);
    await admin.context().close();
    await submitCode(page, who.email, wrong(code), NEW_PASSWORD);
    await expect(page.getByRole("alert")).toHaveText(BAD_CODE);
    await submitCode(page, who.email, code, NEW_PASSWORD);
    await expect(page).toHaveURL(/\/ingresar\?clave=actualizada$/);
    await logIn(page, who.email, NEW_PASSWORD);
    await expect(page).toHaveURL(/\/buscar$/);
  });
});
