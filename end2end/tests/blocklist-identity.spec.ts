import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createStaff, sql, unique } from "./data";
import { addToBlocklist, logIn, logInStaff, removeFromBlocklist } from "./admin";
import { applicant, fillSignUp, signUpApprovedApplicant, useFreshClientAddress } from "./journeys";
import type { Browser, Page } from "@playwright/test";

/**
 * Blocklist hits where people come in: a sign-up with a listed RUT, phone or client address,
 * and the login of a resident whose RUT or phone was listed after they signed up. Every hit gets
 * the same neutral message (never which value matched), creates or opens nothing, and is
 * audited for the building.
 */

// Long journeys (many pages, logins and password hashes each): on a busy machine they need more than 30 s.
test.describe.configure({ timeout: 180_000 });

const NEUTRAL = "No es posible completar la solicitud. Contacta a la administración.";

/** The building's admin, logged in in a browser of their own. */
async function managerOf(browser: Browser, buildingId: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logInStaff(page, (await createStaff("building_admin", buildingId)).email);
  return page;
}

async function accountExists(email: string): Promise<boolean> {
  const rows = await sql("select 1 from users where email = $1", [email]);
  return rows.length > 0;
}

/** "+56 9 1234 5678" as someone else might type it: "912345678". */
const bare = (phone: string) => phone.replace(/\D/g, "").slice(2);

test("a sign-up with a blocklisted RUT, phone or address gets the neutral message and no account", async ({ page, browser }) => {
  const b = await createBuilding("Torre Bloqueo Registro");
  const manager = await managerOf(browser, b.id);
  const tag = unique();

  // The RUT typed without dots, the phone without +56: both still match.
  const byRut = applicant("Rodrigo", "Salas");
  await addToBlocklist(manager, "rut", byRut.rut.replace(/\./g, ""), `RUT fraude ${tag}`);
  const byPhone = applicant("Marcela", "Pinto");
  await addToBlocklist(manager, "phone", bare(byPhone.phone), `Celular acoso ${tag}`);
  const byAddress = applicant("Tomás", "Reyes");

  for (const who of [byRut, byPhone]) {
    await useFreshClientAddress(page);
    await fillSignUp(page, b, who, true);
    await page.getByRole("button", { name: "Crear cuenta" }).click();
    await expect(page.getByRole("alert")).toHaveText(NEUTRAL);
    await expect(page).toHaveURL(/\/registro/);
    expect(await accountExists(who.email), who.email).toBe(false);
  }
  await expectAccessible(page);

  // The client address itself.
  const address = await useFreshClientAddress(page);
  await addToBlocklist(manager, "ip", address, `Dirección abuso ${tag}`);
  await fillSignUp(page, b, byAddress);
  await page.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page.getByRole("alert")).toHaveText(NEUTRAL);
  expect(await accountExists(byAddress.email)).toBe(false);

  // The same person from another address signs up: only the listed values were refused.
  await useFreshClientAddress(page);
  await fillSignUp(page, b, byAddress);
  await page.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page).toHaveURL(/\/ingresar\?registro=pendiente/);
  expect(await accountExists(byAddress.email)).toBe(true);

  // The building's admin sees each hit, with its kind and never the value.
  await manager.goto(`/admin/auditoria?accion=blocklist.hit&edificio=${b.id}`);
  const hits = manager.getByTestId("audit-row").filter({ hasText: "auth.sign_up" });
  await expect(hits).toHaveCount(3);
  for (const kind of ["rut", "phone", "ip"]) {
    await expect(hits.filter({ hasText: `"${kind}"` })).toHaveCount(1);
  }
  await expect(manager.getByText(byRut.rut.replace(/\./g, ""))).toHaveCount(0);
  await manager.context().close();
});

test("a resident whose phone, then RUT, is blocklisted after sign-up cannot log in", async ({ page, browser }) => {
  const b = await createBuilding("Torre Bloqueo Ingreso");
  const manager = await managerOf(browser, b.id);
  const tag = unique();
  const resident = await signUpApprovedApplicant(page, b, applicant("Fernanda", "Castro"));
  await page.getByRole("button", { name: /^Salir/ }).click();
  await expect(page).toHaveURL(/\/$/);

  // Listed phone: the right password gets the neutral message, not a session.
  await addToBlocklist(manager, "phone", bare(resident.phone), `Celular ${tag}`);
  await logIn(page, resident.email, resident.password);
  await expect(page.getByRole("alert")).toHaveText(NEUTRAL);
  await expect(page).toHaveURL(/\/ingresar/);
  await waitForHydration(page);
  await expectAccessible(page);
  await page.goto("/mis-reservas");
  await expect(page).toHaveURL(/\/ingresar/);

  // Removed, the resident logs in again.
  await removeFromBlocklist(manager, `Celular ${tag}`);
  await logIn(page, resident.email, resident.password);
  await expect(page).toHaveURL(/\/buscar$/);
  await page.getByRole("button", { name: /^Salir/ }).click();
  await expect(page).toHaveURL(/\/$/);

  // Listed RUT, written another way: refused the same way.
  await addToBlocklist(manager, "rut", resident.rut.replace(/\./g, "").toLowerCase(), `RUT ${tag}`);
  await logIn(page, resident.email, resident.password);
  await expect(page.getByRole("alert")).toHaveText(NEUTRAL);
  await expect(page).toHaveURL(/\/ingresar/);

  await manager.goto(`/admin/auditoria?accion=blocklist.hit&edificio=${b.id}`);
  const hits = manager.getByTestId("audit-row").filter({ hasText: "auth.login" });
  await expect(hits).toHaveCount(2);
  await expect(hits.filter({ hasText: '"phone"' })).toHaveCount(1);
  await expect(hits.filter({ hasText: '"rut"' })).toHaveCount(1);
  await manager.context().close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-up and login forms refuse blocklisted values as plain forms", async ({ page, browser }) => {
    const b = await createBuilding("Torre Bloqueo SinJS");
    const manager = await managerOf(browser, b.id);
    const tag = unique();

    const refused = applicant("Rodrigo", "Salas");
    await addToBlocklist(manager, "rut", refused.rut, `RUT ${tag}`);
    await useFreshClientAddress(page);
    await fillSignUp(page, b, refused);
    await page.getByRole("button", { name: "Crear cuenta" }).click();
    await expect(page.getByRole("alert")).toHaveText(NEUTRAL);
    expect(await accountExists(refused.email)).toBe(false);

    const resident = await signUpApprovedApplicant(page, b, applicant("Fernanda", "Castro"));
    await page.context().clearCookies();
    await addToBlocklist(manager, "phone", resident.phone, `Celular ${tag}`);
    await logIn(page, resident.email, resident.password);
    await expect(page.getByRole("alert")).toHaveText(NEUTRAL);
    await page.goto("/mis-reservas");
    await expect(page).toHaveURL(/\/ingresar/);
    await manager.context().close();
  });
});
