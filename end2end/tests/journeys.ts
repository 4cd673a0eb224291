import { expect, type Page } from "@playwright/test";
import { randomPhone, randomRut, sql, unique, type Building } from "./data";

/** The password residents created here sign up with. */
export const RESIDENT_PASSWORD = "Mi.Estacionamiento.2026";

/**
 * Signs a resident of `b` up through the real form (so their RUT and phone are encrypted by the
 * server), approves them, and logs them in; they land on the search page.
 */
export async function signUpApprovedResident(page: Page, b: Building, first = "Josefina", last = "Vergara"): Promise<string> {
  const local = first.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const email = `${local}.${unique()}@prueba.cl`;
  await page.goto("/registro");
  await page.getByLabel("Nombres").fill(first);
  await page.getByLabel("Apellidos").fill(last);
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(RESIDENT_PASSWORD);
  await page.getByLabel("RUT").fill(randomRut());
  await page.getByLabel("Celular (WhatsApp)").fill(randomPhone());
  await page.getByLabel("Edificio").selectOption(b.id);
  await page.getByLabel("Departamento").selectOption(b.units[0].id);
  await page.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page).toHaveURL(/registro=pendiente/);
  await sql("update users set status = 'active' where email = $1", [email]);
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(RESIDENT_PASSWORD);
  await page.getByRole("button", { name: "Ingresar" }).click();
  await expect(page).toHaveURL(/\/buscar$/);
  return email;
}
