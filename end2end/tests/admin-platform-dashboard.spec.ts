import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createResident, createStaff, sql, type Building } from "./data";
import { logInStaff } from "./admin";
import type { Page } from "@playwright/test";

/**
 * The platform-wide dashboard: a platform admin (and support, read-only) sees every building
 * added up, and narrows it to one building with the selector; a building admin asking for
 * another building still sees only their own.
 */

// Long journeys (many pages, logins and password hashes each): on a busy machine they need more than 30 s.
test.describe.configure({ timeout: 180_000 });

type Numbers = { revenue: number; paid: number; pending: number; occupied: number; spots: number; active: number };

const pesos = (text: string) => Number(text.replace(/\D/g, ""));

/** The dashboard's numbers as the page shows them. */
async function numbers(page: Page): Promise<Numbers> {
  const occupancy = (await page.getByTestId("occupancy-now").innerText()).match(/(\d+) de (\d+) cupos ocupados ahora/);
  const pending = await page.getByTestId("pending-count").innerText();
  return {
    revenue: pesos(await page.getByTestId("revenue").innerText()),
    paid: Number((await page.getByTestId("revenue-split").innerText()).match(/^(\d+) reservas? pagadas?/)?.[1] ?? "NaN"),
    pending: pending.startsWith("Sin") ? 0 : Number(pending.match(/^(\d+)/)?.[1] ?? "NaN"),
    occupied: Number(occupancy?.[1] ?? "NaN"),
    spots: Number(occupancy?.[2] ?? "NaN"),
    active: Number(await page.getByTestId("active-bookings").innerText()),
  };
}

/** Two new buildings: one with a visitor inside now and a free spot, one with a booking next
 *  week and a resident waiting for approval. Each booking paid $5.000 (10 % commission) today. */
async function twoBuildings(): Promise<[Building, Building]> {
  const inside = await createBuilding("Torre Plataforma Norte");
  const k = await createConfirmedBooking(inside, "KHJT52", -60, 180);
  await sql("update bookings set status = 'checked_in', checked_in_at = now() - interval '55 minutes' where id = $1", [k.id]);
  await sql("insert into visitor_spots (building_id, number) values ($1, 'LIBRE')", [inside.id]);
  const later = await createBuilding("Torre Plataforma Sur");
  await createConfirmedBooking(later, "BBCL34", 60 * 24 * 7);
  const waiting = await createResident(later);
  await sql("update users set status = 'pending' where id = $1", [waiting.id]);
  return [inside, later];
}

test("every building adds up on the platform dashboard, and the selector narrows it to one", async ({ page, browser }) => {
  const admin = await createStaff("admin", null);
  await logInStaff(page, admin.email);
  await page.goto("/admin?periodo=30");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Todos los edificios" })).toBeVisible();
  const before = await numbers(page);

  const [north, south] = await twoBuildings();
  await page.goto("/admin?periodo=30");
  await expect(page.getByRole("heading", { name: "Todos los edificios" })).toBeVisible();
  const after = await numbers(page);
  // Money and approvals move only with people's actions, so these are exact; the scheduled
  // jobs may end other buildings' bookings meanwhile, so the holding counts are bounded.
  expect(after.revenue - before.revenue).toBe(10_000);
  expect(after.paid - before.paid).toBe(2);
  expect(after.pending - before.pending).toBe(1);
  expect(after.spots - before.spots).toBe(3);
  expect(after.active).toBeGreaterThanOrEqual(2);
  expect(after.occupied).toBeGreaterThanOrEqual(1);
  await expectAccessible(page);

  // One building, through the selector (a GET form).
  await page.getByLabel("Edificio").selectOption({ label: north.name });
  await page.getByRole("button", { name: "Ver", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`edificio=${north.id}`));
  await expect(page.getByRole("heading", { name: north.name })).toBeVisible();
  await expect(page.getByTestId("occupancy-now")).toHaveText("1 de 2 cupos ocupados ahora");
  await expect(page.getByTestId("active-bookings")).toHaveText("1");
  await expect(page.getByTestId("revenue")).toHaveText("$5.000");
  await expect(page.getByTestId("revenue-split")).toHaveText("1 reserva pagada · comisión de la plataforma $500 · edificios $4.500");
  await expect(page.getByTestId("pending-count")).toHaveText("Sin solicitudes pendientes");
  await expectAccessible(page);
  await page.getByLabel("Edificio").selectOption({ label: south.name });
  await page.getByRole("button", { name: "Ver", exact: true }).click();
  await expect(page.getByRole("heading", { name: south.name })).toBeVisible();
  await expect(page.getByTestId("occupancy-now")).toHaveText("0 de 1 cupos ocupados ahora");
  await expect(page.getByTestId("pending-count")).toHaveText("1 solicitud pendiente");

  // Support reads the same platform-wide numbers.
  const supportContext = await browser.newContext();
  const support = await supportContext.newPage();
  await logInStaff(support, (await createStaff("support", null)).email);
  await support.goto("/admin?periodo=30");
  await expect(support.getByRole("heading", { name: "Todos los edificios" })).toBeVisible();
  const seen = await numbers(support);
  expect({ revenue: seen.revenue, paid: seen.paid, pending: seen.pending, spots: seen.spots }).toEqual({
    revenue: after.revenue,
    paid: after.paid,
    pending: after.pending,
    spots: after.spots,
  });
  await supportContext.close();

  // The south building's admin asking for the north building still sees only the south.
  const managerContext = await browser.newContext();
  const manager = await managerContext.newPage();
  await logInStaff(manager, (await createStaff("building_admin", south.id)).email);
  await manager.goto(`/admin?edificio=${north.id}&periodo=30`);
  await expect(manager.getByRole("heading", { name: south.name })).toBeVisible();
  await expect(manager.getByRole("heading", { name: "Todos los edificios" })).toHaveCount(0);
  await expect(manager.getByTestId("occupancy-now")).toHaveText("0 de 1 cupos ocupados ahora");
  await expect(manager.getByTestId("revenue")).toHaveText("$5.000");
  await expect(manager.getByText(north.name)).toHaveCount(0);
  await managerContext.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the building and period selector works as a plain GET form", async ({ page }) => {
    const [north] = await twoBuildings();
    const admin = await createStaff("admin", null);
    await logInStaff(page, admin.email);
    await expect(page.getByRole("heading", { name: "Todos los edificios" })).toBeVisible();
    await page.getByLabel("Edificio").selectOption({ label: north.name });
    await page.getByLabel("Ingresos de").selectOption("7");
    await page.getByRole("button", { name: "Ver", exact: true }).click();
    await expect(page).toHaveURL(/periodo=7/);
    await expect(page.getByRole("heading", { name: north.name })).toBeVisible();
    await expect(page.getByTestId("occupancy-now")).toHaveText("1 de 2 cupos ocupados ahora");
    await expect(page.getByTestId("revenue")).toHaveText("$5.000");
  });
});
