import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createStaff, unique } from "./data";
import { expectAudited, logIn, logInStaff } from "./admin";

test("an admin assigns a building to a sales rep, who sees it, then really unassigns it", async ({ page, browser }) => {
  const b = await createBuilding("Torre Ventas");
  const repName = `Vendedora ${unique()}`;
  const rep = await createStaff("sales_rep", null, repName);
  const admin = await createStaff("admin", null);

  await logInStaff(page, admin.email);
  await page.goto("/admin/vendedores");
  await waitForHydration(page);
  await expectAccessible(page);
  const form = page.getByTestId("assign-form");
  await form.getByLabel("Edificio").selectOption({ label: b.name });
  await form.getByLabel("Vendedor", { exact: true }).selectOption({ label: repName });
  await form.getByLabel("Comisión del vendedor (%)").fill("5,5");
  await form.getByRole("button", { name: "Asignar" }).click();
  await expect(page.getByText("Edificio asignado.")).toBeVisible();
  const row = page.getByTestId("rep-row").filter({ hasText: repName });
  await expect(row.getByTestId("held-building")).toContainText(`${b.name} · 5,5 %`);

  // The rep, in their own browser, sees the building on their dashboard.
  const other = await browser.newContext();
  const rp = await other.newPage();
  await logIn(rp, rep.email);
  await expect(rp).toHaveURL(/\/ventas$/);
  await expect(rp.getByText(b.name)).toBeVisible();

  await row.getByRole("link", { name: `Quitar ${b.name} a ${repName}` }).click();
  const confirm = page.getByTestId("confirm-unassign");
  await expect(confirm).toBeVisible();
  await expectAccessible(page);
  await confirm.getByRole("button", { name: "Sí, quitar" }).click();
  await expect(page.getByText(/Edificio quitado al vendedor/)).toBeVisible();
  await expect(page.getByTestId("rep-row").filter({ hasText: repName })).toContainText("Ninguno");

  await rp.reload();
  await expect(rp.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(rp.getByText(b.name)).toHaveCount(0);
  await other.close();

  await expectAudited(page, "sales_rep.assigned");
  await expectAudited(page, "sales_rep.unassigned");
});

test("the reconciliation settles yesterday's booking and the admin marks the payout paid", async ({ page }) => {
  const b = await createBuilding("Torre Liquidación");
  // 5.000 paid at 10 %: 500 to the platform, 4.500 to the building; it started 30 h ago,
  // so its local day is over.
  await createConfirmedBooking(b, "LLPP12", -30 * 60, 60);
  const admin = await createStaff("admin", null);
  await logInStaff(page, admin.email);
  await page.goto("/admin/liquidaciones");
  await waitForHydration(page);
  await page.getByTestId("reconcile").click();
  await expect(page.getByText(/Conciliación ejecutada/)).toBeVisible();

  await page.goto(`/admin/liquidaciones?edificio=${b.id}`);
  await expectAccessible(page);
  const row = page.getByTestId("payout-row").filter({ hasText: b.name });
  await expect(row).toContainText("$5.000");
  await expect(row).toContainText("$500");
  await expect(row).toContainText("$4.500");
  await expect(row).toContainText("Por pagar");
  await row.getByRole("link", { name: /^Marcar pagada la liquidación/ }).click();
  const confirm = page.getByTestId("confirm-pay");
  await expect(confirm).toBeVisible();
  // The browser insists on a value; the server insists on a real reference (3 to 100 characters).
  await confirm.getByLabel("Referencia de la transferencia").fill("x");
  await confirm.getByRole("button", { name: "Sí, marcar pagada" }).click();
  await expect(page.locator("#reference-error")).toContainText("referencia");
  await confirm.getByLabel("Referencia de la transferencia").fill("TRF-2026-0042");
  await confirm.getByRole("button", { name: "Sí, marcar pagada" }).click();
  await expect(page.getByText("Liquidación marcada como pagada.")).toBeVisible();
  await page.goto(`/admin/liquidaciones?edificio=${b.id}&estado=paid`);
  await expect(page.getByTestId("payout-row").filter({ hasText: b.name })).toContainText("ref. TRF-2026-0042");

  // The building's own admin reads the payout, without the platform's controls.
  const buildingAdmin = await createStaff("building_admin", b.id);
  await page.context().clearCookies();
  await logInStaff(page, buildingAdmin.email);
  await page.goto("/admin/liquidaciones");
  await expect(page.getByTestId("payout-row").filter({ hasText: b.name })).toContainText("Pagada");
  await expect(page.getByTestId("reconcile")).toHaveCount(0);

  await page.context().clearCookies();
  await logInStaff(page, admin.email);
  await expectAudited(page, "payout.paid");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the assignment form works as a plain form, with field errors", async ({ page }) => {
    const b = await createBuilding("Torre Ventas SinJS");
    const repName = `Vendedor ${unique()}`;
    await createStaff("sales_rep", null, repName);
    const admin = await createStaff("admin", null);
    await logInStaff(page, admin.email);
    await page.goto("/admin/vendedores");
    const form = page.getByTestId("assign-form");
    await form.getByLabel("Edificio").selectOption({ label: b.name });
    await form.getByLabel("Vendedor", { exact: true }).selectOption({ label: repName });
    await form.getByLabel("Comisión del vendedor (%)").fill("150");
    await form.getByRole("button", { name: "Asignar" }).click();
    await expect(page.locator("#rate-error")).toContainText("entre 0 % y 100 %");
    const again = page.getByTestId("assign-form");
    await again.getByLabel("Edificio").selectOption({ label: b.name });
    await again.getByLabel("Vendedor", { exact: true }).selectOption({ label: repName });
    await again.getByLabel("Comisión del vendedor (%)").fill("5");
    await again.getByRole("button", { name: "Asignar" }).click();
    await expect(page.getByTestId("rep-row").filter({ hasText: repName }).getByTestId("held-building")).toContainText(b.name);
  });
});
