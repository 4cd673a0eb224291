import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createResident, createStaff } from "./data";
import { expectAudited, logIn, logInStaff } from "./admin";

test("an admin bans a resident with an open session, which ends, then unbans them", async ({ page, browser }) => {
  const b = await createBuilding("Torre Residentes");
  const resident = await createResident(b);
  const admin = await createStaff("admin", null);

  // The resident is logged in in another browser.
  const other = await browser.newContext();
  const rp = await other.newPage();
  await logIn(rp, resident.email);
  await expect(rp).toHaveURL(/\/buscar$/);

  await logInStaff(page, admin.email);
  await page.goto(`/admin/residentes/todos?edificio=${b.id}`);
  await waitForHydration(page);
  await expectAccessible(page);
  const row = page.getByTestId("resident-row").filter({ hasText: resident.email });
  await expect(row).toContainText("Activo");
  await row.getByRole("link", { name: /^Bloquear a/ }).click();
  const confirm = page.getByTestId("confirm-ban");
  await expect(confirm).toBeVisible();
  await expectAccessible(page);
  await confirm.getByLabel("Motivo del bloqueo").fill("Daños reiterados al portón");
  await confirm.getByRole("button", { name: "Sí, bloquear" }).click();
  await expect(page.getByText("Cambio guardado.")).toBeVisible();
  await page.goto(`/admin/residentes/todos?edificio=${b.id}`);
  await expect(row).toContainText("Bloqueado");
  await expect(row).toContainText("Daños reiterados al portón");

  // The resident's open session is over on their next request.
  await rp.goto("/mis-reservas");
  await expect(rp).toHaveURL(/\/ingresar/);

  await row.getByRole("button", { name: /^Desbloquear a/ }).click();
  await expect(page.getByText("Cambio guardado.")).toBeVisible();
  await page.goto(`/admin/residentes/todos?edificio=${b.id}`);
  await expect(row).toContainText("Activo");
  await logIn(rp, resident.email);
  await expect(rp).toHaveURL(/\/buscar$/);
  await other.close();

  await expectAudited(page, "resident.banned");
  await expectAudited(page, "resident.unbanned");
});
