import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createResident, createStaff, sql, unique, type Building } from "./data";
import { expectAudited, logIn, logInStaff } from "./admin";

/** The building form's fields, filled with valid values (`overrides` replace some). */
async function fillBuilding(form: import("@playwright/test").Locator, name: string, overrides: Record<string, string> = {}) {
  const values: Record<string, string> = {
    Nombre: name,
    Dirección: "Av. Vicuña Mackenna 4860",
    Comuna: "Macul",
    "Comisión de la plataforma (%)": "10,5 %",
    "Cuota mensual (CLP)": "$50.000",
    "Horizonte de reserva (días)": "7",
    ...overrides,
  };
  for (const [label, value] of Object.entries(values)) {
    await form.getByLabel(label, { exact: true }).fill(value);
  }
}

test("an admin sets up a building, the generator fills it, and a 2,0× rule doubles the resident's price", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const admin = await createStaff("admin", null);
  await logInStaff(page, admin.email);
  await page.getByRole("link", { name: "Edificios" }).click();
  await page.getByTestId("new-building").click();
  await waitForHydration(page);
  await expectAccessible(page);
  const name = `Torre Inventario ${unique()}`;
  const form = page.getByTestId("building-create");
  await fillBuilding(form, name);
  await form.getByRole("button", { name: "Crear edificio" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  const id = page.url().match(/\/admin\/edificios\/([0-9a-f-]{36})/)?.[1] ?? "";
  expect(id).not.toBe("");

  // Units in bulk; existing numbers are skipped and reported.
  await page.getByRole("link", { name: "Unidades" }).first().click();
  await waitForHydration(page);
  await page.getByLabel("Números de unidad").fill("101-110, PH");
  await page.getByRole("button", { name: "Crear unidades" }).click();
  await expect(page.getByTestId("units-created")).toHaveText("11 unidades creadas.");
  await page.getByLabel("Números de unidad").fill("110-112");
  await page.getByRole("button", { name: "Crear unidades" }).click();
  await expect(page.getByTestId("units-created")).toHaveText("2 unidades creadas, 1 ya existía.");
  await expectAccessible(page);

  // Two spots.
  await page.goto(`/admin/estacionamientos?edificio=${id}`);
  await waitForHydration(page);
  for (const number of ["V-01", "V-02"]) {
    const spotForm = page.getByTestId("spot-create");
    await spotForm.getByLabel("Número", { exact: true }).fill(number);
    await spotForm.getByRole("button", { name: "Crear estacionamiento" }).click();
    await expect(page.getByTestId("spot").filter({ hasText: number })).toBeVisible();
  }
  await expectAccessible(page);

  // A template of its own next to Día and Noche.
  await page.goto(`/admin/bloques?edificio=${id}`);
  await waitForHydration(page);
  const tpl = page.getByTestId("template-create");
  await tpl.getByLabel("Nombre", { exact: true }).fill("Tarde");
  await tpl.getByLabel("Hora de inicio").fill("14:00");
  await tpl.getByLabel("Duración (horas)").fill("4");
  await tpl.getByLabel("Precio base (CLP)").fill("3.000");
  await tpl.getByRole("button", { name: "Crear bloque" }).click();
  await expect(page.getByTestId("template").filter({ hasText: /^\s*Tarde/ })).toContainText("$3.000");
  await expectAccessible(page);

  // Generate now: the calendar has blocks.
  await page.goto(`/admin/edificios/${id}`);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Generar disponibilidad ahora" }).click();
  await expect(page.getByTestId("generated")).toContainText("bloques nuevos");
  const created = Number((await page.getByTestId("generated").innerText()).match(/(\d+) bloques/)?.[1] ?? "0");
  expect(created).toBeGreaterThan(20);
  await expect(page.getByTestId("future-available")).not.toHaveText("Bloques disponibles a futuro: 0");
  await expectAccessible(page);

  // The building's admin (written directly) creates a 2,0× rule for the day after tomorrow.
  const [{ date }] = await sql<{ date: string }>(
    "select to_char((now() at time zone 'America/Santiago')::date + 2, 'YYYY-MM-DD') as date",
  );
  const buildingAdmin = await createStaff("building_admin", id);
  const adminContext = await browser.newContext();
  const ba = await adminContext.newPage();
  await logInStaff(ba, buildingAdmin.email);
  await ba.goto("/admin/precios");
  await waitForHydration(ba);
  const rule = ba.getByTestId("pricing-form");
  await rule.getByLabel("Nombre").fill("Doble");
  await rule.getByLabel("Multiplicador").fill("2,0");
  await rule.getByLabel("Desde").fill(date);
  await rule.getByLabel("Hasta (inclusive)").fill(date);
  await rule.getByRole("button", { name: "Crear regla" }).click();
  await expect(ba.getByTestId("pricing-rule").filter({ hasText: "Doble" })).toContainText("×2");
  await adminContext.close();

  // A resident of the building (written directly, approved) sees the doubled prices.
  const units = await sql<{ id: string; number: string }>("select id, number from units where building_id = $1 order by number", [id]);
  const building: Building = { id, name, units };
  const residentContext = await browser.newContext();
  const resident = await residentContext.newPage();
  await logIn(resident, (await createResident(building)).email);
  await expect(resident).toHaveURL(/\/buscar$/);
  await resident.goto(`/buscar?fecha=${date}`);
  await expect(resident.getByTestId("block-card").filter({ hasText: "20:00" }).first().getByTestId("price")).toHaveText("$10.000");
  await expect(resident.getByTestId("block-card").filter({ hasText: "14:00" }).first().getByTestId("price")).toHaveText("$6.000");
  await residentContext.close();

  await expectAudited(page, "building.created");
  await expectAudited(page, "availability.generated");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the building form works as a plain form, with field errors", async ({ page }) => {
    const admin = await createStaff("admin", null);
    await logInStaff(page, admin.email);
    await page.goto("/admin/edificios?nuevo=1");
    const name = `Torre Sin JS ${unique()}`;
    await fillBuilding(page.getByTestId("building-create"), name, { "Comisión de la plataforma (%)": "120" });
    await page.getByTestId("building-create").getByRole("button", { name: "Crear edificio" }).click();
    await expect(page.locator("#commission-error")).toContainText("entre 0 % y 100 %");
    await fillBuilding(page.getByTestId("building-create"), name);
    await page.getByTestId("building-create").getByRole("button", { name: "Crear edificio" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    await expect(page.getByTestId("future-available")).toHaveText("Bloques disponibles a futuro: 0");
  });
});
