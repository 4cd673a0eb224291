import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createResident, sql, type Building } from "./data";
import { logIn, blocksAfterTomorrow } from "./admin";
import { signUpApprovedResident } from "./journeys";
import type { Page } from "@playwright/test";

/** A building with Día/Noche blocks the day after tomorrow and a resident signed up through the
 *  form (so the vault encrypts their data), logged in. */
async function setUp(page: Page): Promise<{ b: Building; date: string }> {
  const b = await createBuilding("Torre Visitas");
  const date = await blocksAfterTomorrow(b);
  await signUpApprovedResident(page, b, "Rosario", "Fuentes");
  return { b, date };
}

async function addVisitor(page: Page, name: string, plate: string, phone = ""): Promise<void> {
  const form = page.getByTestId("visitor-form");
  await form.getByLabel("Nombre").fill(name);
  await form.getByLabel("Patente").fill(plate);
  await form.getByLabel("Celular (opcional)").fill(phone);
  await form.getByRole("button", { name: "Guardar visita" }).click();
}

test("a resident saves, edits and deletes visitors, and picks one when booking", async ({ page }) => {
  const { date } = await setUp(page);
  await page.getByRole("link", { name: "Mis visitas" }).click();
  await expect(page.getByRole("heading", { name: "Mis visitas", level: 1 })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByText("Aún no tienes visitas guardadas.")).toBeVisible();
  await expectAccessible(page);

  // A plate that is not one: the same message as the booking form, next to the field.
  await addVisitor(page, "Matías Rivas", "no es patente");
  await expect(page.locator("#plate-error")).not.toBeEmpty();
  // A blocklisted plate: the booking's neutral refusal.
  await addVisitor(page, "Matías Rivas", "zz zz 99");
  await expect(page.getByRole("alert").first()).toHaveText("No es posible completar la reserva. Contacta a la administración.");

  await addVisitor(page, "Matías Rivas", "kh-jt 52", "9 8765 4321");
  const saved = page.getByTestId("saved-visitor");
  await expect(saved).toHaveCount(1);
  await expect(saved).toContainText("Matías Rivas");
  await expect(saved).toContainText("Patente KHJT-52");
  await expect(saved).not.toContainText("8765 4321");
  await expect(page.getByTestId("visitor-count")).toHaveText("1 de 50 visitas guardadas.");
  // The same plate again is refused on the plate field.
  await addVisitor(page, "Otra Persona", "KHJT52");
  await expect(page.locator("#plate-error")).toContainText("Ya tienes una visita guardada con esa patente");

  // Edit: the form comes prefilled.
  await saved.getByRole("link", { name: "Editar a Matías Rivas" }).click();
  await expect(page.getByRole("heading", { name: "Editar visita" })).toBeVisible();
  await expect(page.getByTestId("visitor-form").getByLabel("Patente")).toHaveValue("KHJT-52");
  await expect(page.getByTestId("visitor-form").getByLabel("Celular (opcional)")).toHaveValue("+56987654321");
  await page.getByTestId("visitor-form").getByLabel("Nombre").fill("Matías Rivas Soto");
  await page.getByRole("button", { name: "Guardar cambios" }).click();
  await expect(page).toHaveURL(/\/mis-visitas$/);
  await expect(page.getByTestId("saved-visitor")).toContainText("Matías Rivas Soto");
  await addVisitor(page, "Carla Núñez", "AB 1234");
  await expect(page.getByTestId("saved-visitor")).toHaveCount(2);
  await expectAccessible(page);

  // Booking: the recent visitors prefill the form.
  await page.goto(`/buscar?fecha=${date}`);
  await page.getByTestId("block-card").first().getByRole("link", { name: /^Reservar/ }).click();
  await expect(page.getByRole("heading", { name: "Tus visitas recientes" })).toBeVisible();
  await expect(page.getByTestId("recent-visitor")).toHaveCount(2);
  await page.getByTestId("recent-visitor").filter({ hasText: "Matías Rivas Soto" }).click();
  await expect(page).toHaveURL(/visita=v-/);
  await expect(page.getByLabel("Nombre de tu visita")).toHaveValue("Matías Rivas Soto");
  await expect(page.getByLabel("Patente")).toHaveValue("KHJT-52");
  await expect(page.getByLabel("Celular de tu visita (opcional)")).toHaveValue("+56987654321");
  await expectAccessible(page);
  await page.getByRole("button", { name: /Continuar al pago/ }).click();
  await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();
  await expect(page.getByText("KHJT-52")).toBeVisible();

  // Delete.
  await page.goto("/mis-visitas");
  await page.getByRole("button", { name: "Eliminar a Carla Núñez" }).click();
  await expect(page.getByTestId("saved-visitor")).toHaveCount(1);
  const [{ n }] = await sql<{ n: string }>(
    "select count(*)::text as n from audit_log where action like 'frequent_visitor.%'",
  );
  expect(Number(n)).toBeGreaterThanOrEqual(4);
});

test("another resident's visitor is not found, and nothing of it shows", async ({ page }) => {
  const b = await createBuilding("Torre Ajena");
  const owner = await createResident(b);
  const [v] = await sql<{ id: string }>(
    "insert into frequent_visitors (id, resident_id, name, plate) values (gen_random_uuid(), $1, 'Secreta Persona', 'BBBB12') returning id",
    [owner.id],
  );
  const other = await createResident(b);
  await logIn(page, other.email);
  await expect(page).toHaveURL(/\/buscar$/);
  await page.goto(`/mis-visitas?editar=${v.id}`);
  await expect(page.getByRole("alert")).toHaveText("No encontrado.");
  await expect(page.locator("body")).not.toContainText("Secreta Persona");
  await expect(page.locator("body")).not.toContainText("BBBB");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("visitors are added, edited, deleted and picked with plain forms and links", async ({ page }) => {
    const { date } = await setUp(page);
    await page.goto("/mis-visitas");
    await addVisitor(page, "Matías Rivas", "12");
    await expect(page.locator("#plate-error")).not.toBeEmpty();
    await addVisitor(page, "Matías Rivas", "BB-BB-12");
    await expect(page).toHaveURL(/\/mis-visitas$/);
    await expect(page.getByTestId("saved-visitor")).toContainText("Patente BBBB-12");
    await page.getByRole("link", { name: "Editar a Matías Rivas" }).click();
    await page.getByTestId("visitor-form").getByLabel("Nombre").fill("Matías Ignacio Rivas");
    await page.getByRole("button", { name: "Guardar cambios" }).click();
    await expect(page.getByTestId("saved-visitor")).toContainText("Matías Ignacio Rivas");

    await page.goto(`/buscar?fecha=${date}`);
    await page.getByTestId("block-card").first().getByRole("link", { name: /^Reservar/ }).click();
    await page.getByTestId("recent-visitor").first().click();
    await expect(page.getByLabel("Nombre de tu visita")).toHaveValue("Matías Ignacio Rivas");
    await expect(page.getByLabel("Patente")).toHaveValue("BBBB-12");
    await page.getByRole("button", { name: /Continuar al pago/ }).click();
    await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();

    await page.goto("/mis-visitas");
    await page.getByRole("button", { name: "Eliminar a Matías Ignacio Rivas" }).click();
    await expect(page.getByText("Aún no tienes visitas guardadas.")).toBeVisible();
  });
});
