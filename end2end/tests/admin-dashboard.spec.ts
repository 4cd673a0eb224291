import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createStaff, sql, unique } from "./data";
import { expectAudited, logInStaff } from "./admin";

test("the dashboard counts a checked-in visitor, analytics draws 30 and 90 days, and staff creation is audited", async ({ page }) => {
  // Many pages and three accessibility scans, one of them over 90-row tables.
  test.slow();
  const b = await createBuilding("Torre Tablero");
  // A visitor inside right now (checked in an hour ago), and a second, free spot.
  const inside = await createConfirmedBooking(b, "KHJT52", -60, 180);
  await sql("update bookings set status = 'checked_in', checked_in_at = now() - interval '55 minutes' where id = $1", [inside.id]);
  await sql("insert into visitor_spots (building_id, number) values ($1, 'LIBRE')", [b.id]);
  const manager = await createStaff("building_admin", b.id);

  await logInStaff(page, manager.email);
  await waitForHydration(page);
  await expect(page.getByTestId("occupancy-now")).toHaveText("1 de 2 cupos ocupados ahora");
  await expect(page.getByTestId("active-bookings")).toHaveText("1");
  await expect(page.getByTestId("revenue")).toHaveText("$5.000");
  await expect(page.getByRole("heading", { name: b.name })).toBeVisible();
  await expectAccessible(page);
  // The period selector is a plain GET form.
  await page.getByLabel("Ingresos de").selectOption("30");
  await page.getByRole("button", { name: "Ver", exact: true }).click();
  await expect(page).toHaveURL(/periodo=30/);
  await expect(page.getByTestId("revenue")).toHaveText("$5.000");

  // A concierge account created here shows in the recent activity and in the audit log.
  await page.goto("/admin/personal");
  await waitForHydration(page);
  const form = page.getByTestId("staff-form");
  await form.getByLabel("Nombre completo").fill("Rosa Vidal");
  await form.getByLabel("Correo electrónico").fill(`tablero.${unique()}@prueba.cl`);
  await form.getByLabel("Contraseña inicial").fill("Porton.Norte.2026");
  await form.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page.getByText("Cuenta creada.")).toBeVisible();
  await page.goto("/admin");
  await expect(page.getByTestId("audit-row").filter({ hasText: "staff.created" }).first()).toBeVisible();
  await expectAudited(page, "staff.created");

  // Analytics: every chart with its table, for 30 and then 90 days.
  await page.goto("/admin");
  await page.getByRole("link", { name: "Analítica" }).click();
  await expect(page).toHaveURL(/\/admin\/analitica$/);
  await expect(page.getByTestId("analytics-scope")).toContainText("últimos 30 días");
  for (const id of ["ocupacion-dia", "ocupacion-hora", "ingresos-dia", "reservas-dia"]) {
    const chart = page.getByTestId(`chart-${id}`);
    await expect(chart.locator("svg[role=img] title")).toHaveCount(1);
    await expect(chart.locator("table caption")).toContainText("valores exactos");
  }
  await expect(page.getByTestId("chart-reservas-dia").locator("tbody tr")).toHaveCount(30);
  await expect(page.getByTestId("chart-ocupacion-hora").locator("tbody tr")).toHaveCount(24);
  await expect(page.getByTestId("chart-ingresos-dia").locator("tbody")).toContainText("$5.000");
  await expect(page.getByTestId("cancellation-rate")).toHaveText("0 %");
  await expectAccessible(page);
  await page.getByLabel("Período").selectOption("90");
  await page.getByRole("button", { name: "Ver", exact: true }).click();
  await expect(page).toHaveURL(/dias=90/);
  await expect(page.getByTestId("analytics-scope")).toContainText("últimos 90 días");
  await expect(page.getByTestId("chart-reservas-dia").locator("tbody tr")).toHaveCount(90);
  await expectAccessible(page);
});

test("a building with nothing in the period says so instead of drawing empty charts", async ({ page }) => {
  const b = await createBuilding("Torre Vacía");
  const manager = await createStaff("building_admin", b.id);
  await logInStaff(page, manager.email);
  await expect(page.getByTestId("occupancy-now")).toHaveText("0 de 0 cupos ocupados ahora");
  await page.goto("/admin/analitica?dias=30");
  await expect(page.getByTestId("chart-reservas-dia")).toContainText("Sin datos en el período");
  await expect(page.getByTestId("chart-ingresos-dia").locator("svg")).toHaveCount(0);
  await expect(page.getByTestId("no-show-rate")).toHaveText("—");
  await expectAccessible(page);
});
