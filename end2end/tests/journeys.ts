import { expect, type Page } from "@playwright/test";
import { randomPhone, randomRut, sql, unique, type Building } from "./data";
import { waitForHydration } from "./fixtures";

/** The password residents created here sign up with. */
export const RESIDENT_PASSWORD = "Mi.Estacionamiento.2026";

/**
 * Makes every later request of `page`'s browser context come from a fresh client address
 * (`X-Forwarded-For`, which the e2e server trusts from 127.0.0.1: scripts/test.sh sets
 * `TRUSTED_PROXIES`). Sign-ups are limited to 10 an hour per address, and the suite signs up
 * more residents than that from one machine. Returns the address (198.18.0.0/15, the
 * benchmarking block: no real client has it).
 */
export async function useFreshClientAddress(page: Page): Promise<string> {
  const n = Math.floor(Math.random() * 2 ** 17);
  const address = `198.${18 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`;
  await page.context().setExtraHTTPHeaders({ "X-Forwarded-For": address });
  return address;
}

/** A person signing up: what they type into the form. */
export type Applicant = { first: string; last: string; email: string; rut: string; phone: string; password: string };

/** A new applicant with a unique e-mail, a valid random RUT and a random mobile number. */
export function applicant(first = "Josefina", last = "Vergara"): Applicant {
  const local = first.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  return { first, last, email: `${local}.${unique()}@prueba.cl`, rut: randomRut(), phone: randomPhone(), password: RESIDENT_PASSWORD };
}

/**
 * Opens `/registro` and fills the whole form for `who`, in `b`'s first unit (not submitted);
 * with `hydrated`, first waits for the WebAssembly, so the submit goes through it.
 */
export async function fillSignUp(page: Page, b: Building, who: Applicant, hydrated = false): Promise<void> {
  await page.goto("/registro");
  if (hydrated) await waitForHydration(page);
  await page.getByLabel("Nombres").fill(who.first);
  await page.getByLabel("Apellidos").fill(who.last);
  await page.getByLabel("Correo electrónico").fill(who.email);
  await page.getByLabel("Contraseña").fill(who.password);
  await page.getByLabel("RUT").fill(who.rut);
  await page.getByLabel("Celular (WhatsApp)").fill(who.phone);
  await page.getByLabel("Edificio").selectOption(b.id);
  await page.getByLabel("Departamento").selectOption(b.units[0].id);
}

/**
 * Signs a resident of `b` up through the real form (so their RUT and phone are encrypted and
 * blind-indexed by the server) from a fresh client address, approves them and logs them in;
 * they land on the search page. Returns what they signed up with.
 */
export async function signUpApprovedApplicant(page: Page, b: Building, who: Applicant = applicant()): Promise<Applicant> {
  await useFreshClientAddress(page);
  await fillSignUp(page, b, who);
  await page.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page).toHaveURL(/registro=pendiente/);
  await sql("update users set status = 'active' where email = $1", [who.email]);
  await page.getByLabel("Correo electrónico").fill(who.email);
  await page.getByLabel("Contraseña").fill(who.password);
  await page.getByRole("button", { name: "Ingresar" }).click();
  await expect(page).toHaveURL(/\/buscar$/);
  return who;
}

/** As [`signUpApprovedApplicant`]; returns the resident's e-mail. */
export async function signUpApprovedResident(page: Page, b: Building, first = "Josefina", last = "Vergara"): Promise<string> {
  return (await signUpApprovedApplicant(page, b, applicant(first, last))).email;
}

/**
 * A logged-in resident books the block of `date` starting at `start` ("20:00") from the search
 * page for `visitor` with `plate`, and lands on the payment simulator.
 */
export async function bookToSimulator(page: Page, date: string, start: string, visitor = "Matías Rivas", plate = "KHJT-52"): Promise<void> {
  await page.goto(`/buscar?fecha=${date}`);
  await page.getByTestId("block-card").filter({ hasText: start }).getByRole("link", { name: /^Reservar/ }).click();
  await page.getByLabel("Nombre de tu visita").fill(visitor);
  await page.getByLabel("Patente").fill(plate);
  await page.getByRole("button", { name: /Continuar al pago/ }).click();
  await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();
}
