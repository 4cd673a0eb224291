import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createResident, createStaff } from "./data";
import { blocksAfterTomorrow, expectAudited, logIn, logInStaff } from "./admin";

test("a building admin creates a 2,0× rule and the resident sees the doubled price", async ({ page, browser }) => {
  const b = await createBuilding("Torre Precios");
  const date = await blocksAfterTomorrow(b);
  const admin = await createStaff("building_admin", b.id);
  await logInStaff(page, admin.email);
  await page.getByRole("link", { name: "Precios y reglas" }).click();
  await waitForHydration(page);
  await expect(page.locator(`[data-testid=preview-row][data-date="${date}"]`).filter({ hasText: "Noche" })).toContainText("$5.000");
  await expectAccessible(page);

  const form = page.getByTestId("pricing-form");
  await form.getByLabel("Nombre").fill("Fin de semana largo");
  await form.getByLabel("Multiplicador").fill("12");
  await form.getByLabel("Desde").fill(date);
  await form.getByLabel("Hasta (inclusive)").fill(date);
  await form.getByRole("button", { name: "Crear regla" }).click();
  await expect(page.locator("#multiplier-error")).not.toBeEmpty();
  // (Without JavaScript the page comes back empty: fill everything again either way.)
  await form.getByLabel("Nombre").fill("Fin de semana largo");
  await form.getByLabel("Multiplicador").fill("2,0");
  await form.getByLabel("Desde").fill(date);
  await form.getByLabel("Hasta (inclusive)").fill(date);
  await form.getByRole("button", { name: "Crear regla" }).click();
  await expect(page.getByTestId("pricing-rule").filter({ hasText: "Fin de semana largo" })).toContainText("×2");
  const night = page.locator(`[data-testid=preview-row][data-date="${date}"]`).filter({ hasText: "Noche" });
  await expect(night).toContainText("$10.000");
  await expect(night).toContainText("×2");

  const residentContext = await browser.newContext();
  const resident = await residentContext.newPage();
  // Written directly (sign-ups are rate limited per IP, and the suite already signs up several).
  await logIn(resident, (await createResident(b)).email);
  await expect(resident).toHaveURL(/\/buscar$/);
  await resident.goto(`/buscar?fecha=${date}`);
  await expect(resident.getByTestId("block-card").filter({ hasText: "20:00" }).getByTestId("price")).toHaveText("$10.000");
  await expect(resident.getByTestId("block-card").filter({ hasText: "08:00" }).getByTestId("price")).toHaveText("$6.000");
  await residentContext.close();

  // Deactivating asks first; prices go back to base.
  await page.getByRole("link", { name: "Desactivar Fin de semana largo" }).click();
  await expectAccessible(page);
  await page.getByRole("button", { name: "Sí, desactivar" }).click();
  await expect(page.locator(`[data-testid=preview-row][data-date="${date}"]`).filter({ hasText: "Noche" })).toContainText("$5.000");

  await expectAudited(page, "pricing_rule.created");
  await expectAudited(page, "pricing_rule.deactivated");
});
