import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createResident, createStaff } from "./data";
import { blocksAfterTomorrow, expectAudited, logIn, logInStaff } from "./admin";

test("a building admin blocks a plate and the resident's booking with it is refused", async ({ page, browser }) => {
  const b = await createBuilding("Torre Bloqueos");
  const date = await blocksAfterTomorrow(b);
  const admin = await createStaff("building_admin", b.id);
  await logInStaff(page, admin.email);
  await page.getByRole("link", { name: "Lista de bloqueo" }).click();
  await expect(page.getByRole("heading", { name: "Lista de bloqueo" })).toBeVisible();
  await waitForHydration(page);
  await expectAccessible(page);

  const form = page.getByTestId("blocklist-add");
  await form.getByLabel("Tipo").selectOption("plate");
  await form.getByLabel("Valor").fill("khjt 52");
  await form.getByLabel("Motivo").fill("Daños al portón");
  await form.getByRole("button", { name: "Agregar a la lista de bloqueo" }).click();
  await expect(page.getByTestId("blocklist-entry").filter({ hasText: "KHJT-52" })).toBeVisible();

  // The same plate again, spelled differently: a field error, not a second entry.
  await form.getByLabel("Valor").fill("KHJT-52");
  await form.getByLabel("Motivo").fill("Otra vez");
  await form.getByRole("button", { name: "Agregar a la lista de bloqueo" }).click();
  await expect(page.locator("#value-error")).toContainText("ya está en la lista");

  // Search finds it by another spelling.
  await page.getByLabel("Buscar un valor").fill("Khjt52");
  await page.getByRole("button", { name: "Buscar", exact: true }).click();
  await expect(page.getByTestId("blocklist-entry")).toHaveCount(1);
  await expectAccessible(page);

  // The resident, in their own browser, cannot book with that plate.
  const residentContext = await browser.newContext();
  const resident = await residentContext.newPage();
  // Written directly (sign-ups are rate limited per IP, and the suite already signs up several).
  await logIn(resident, (await createResident(b)).email);
  await expect(resident).toHaveURL(/\/buscar$/);
  await resident.goto(`/buscar?fecha=${date}`);
  await resident.getByTestId("block-card").filter({ hasText: "20:00" }).getByRole("link", { name: /^Reservar/ }).click();
  await resident.getByLabel("Nombre de tu visita").fill("Matías Rivas");
  await resident.getByLabel("Patente").fill("KH-JT-52");
  await resident.getByRole("button", { name: /Continuar al pago/ }).click();
  await expect(resident.getByText("No es posible completar la reserva. Contacta a la administración.")).toBeVisible();
  await residentContext.close();

  // Removal asks first.
  await page.goto("/admin/bloqueos");
  await page.getByRole("link", { name: "Eliminar KHJT-52" }).click();
  await expect(page.getByTestId("confirm-remove")).toContainText("KHJT-52");
  await expectAccessible(page);
  await page.getByRole("button", { name: "Sí, eliminar" }).click();
  await expect(page.getByText("Entrada eliminada de la lista de bloqueo.")).toBeVisible();
  await expect(page.getByTestId("blocklist-entry").filter({ hasText: "KHJT-52" })).toHaveCount(0);

  await expectAudited(page, "blocklist.added");
  await expectAudited(page, "blocklist.removed");
  await expectAudited(page, "blocklist.hit");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the add form works as a plain form, with field errors", async ({ page }) => {
    const b = await createBuilding("Torre Bloqueos");
    const admin = await createStaff("building_admin", b.id);
    await logInStaff(page, admin.email);
    await page.goto("/admin/bloqueos");
    const form = page.getByTestId("blocklist-add");
    await form.getByLabel("Tipo").selectOption("rut");
    await form.getByLabel("Valor").fill("12.345.678-9");
    await form.getByLabel("Motivo").fill("Fraude");
    await form.getByRole("button", { name: "Agregar a la lista de bloqueo" }).click();
    await expect(page.locator("#value-error")).not.toBeEmpty();
    await page.getByTestId("blocklist-add").getByLabel("Tipo").selectOption("rut");
    await page.getByTestId("blocklist-add").getByLabel("Valor").fill("12345678-5");
    await page.getByTestId("blocklist-add").getByLabel("Motivo").fill("Fraude");
    await page.getByTestId("blocklist-add").getByRole("button", { name: "Agregar a la lista de bloqueo" }).click();
    await expect(page.getByTestId("blocklist-entry").filter({ hasText: "12.345.678-5" })).toBeVisible();
  });
});
