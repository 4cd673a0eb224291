import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, sql, type Building } from "./data";
import { signUpApprovedResident } from "./journeys";
import type { Page } from "@playwright/test";

/** A building with two spots, Día/Noche blocks tomorrow (Santiago), and an approved resident. */
async function setUp(page: Page): Promise<{ b: Building; email: string; date: string }> {
  const b = await createBuilding("Torre Búsqueda");
  const spots = await sql<{ id: string }>(
    "insert into visitor_spots (building_id, number, map_x, map_y) values ($1, 'V-01', 100, 100), ($1, 'V-02', 200, 100) returning id",
    [b.id],
  );
  const [{ date }] = await sql<{ date: string }>(
    "select to_char((now() at time zone 'America/Santiago')::date + 1, 'YYYY-MM-DD') as date",
  );
  for (const s of spots) {
    await sql(
      `insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
       values ($1, $2, ($3::date + time '08:00') at time zone 'America/Santiago', ($3::date + time '19:00') at time zone 'America/Santiago', 3000),
              ($1, $2, ($3::date + time '20:00') at time zone 'America/Santiago', ($3::date + 1 + time '07:00') at time zone 'America/Santiago', 5000)`,
      [s.id, b.id, date],
    );
  }
  // A ×1,1 rule over the whole week: 3.000 → 3.300, 5.000 → 5.500.
  await sql(
    `insert into pricing_rules (building_id, name, priority, starts_at, ends_at, multiplier_bp)
     values ($1, 'Temporada alta', 5, now() - interval '1 day', now() + interval '7 days', 11000)`,
    [b.id],
  );
  const email = await signUpApprovedResident(page, b, "Tomás", "Contreras");
  return { b, email, date };
}

test("a resident searches a day and sees the rule-adjusted prices on cards and map", async ({ page }) => {
  const { b, date } = await setUp(page);
  await waitForHydration(page);
  await page.getByLabel("Fecha").fill(date);
  await page.getByRole("button", { name: "Buscar" }).click();
  await expect(page).toHaveURL(new RegExp(`fecha=${date}`));
  await expect(page.getByRole("heading", { level: 2 })).toContainText(b.name);
  await expect(page.getByTestId("available-count")).toHaveText("4 bloques disponibles.");
  const prices = await page.getByTestId("price").allTextContents();
  expect(prices.sort()).toEqual(["$3.300", "$3.300", "$5.500", "$5.500"]);
  await expect(page.getByRole("img", { name: /Mapa de estacionamientos/ })).toBeVisible();
  await page.getByLabel("Tipo de bloque").selectOption("");
  await expectAccessible(page);

  // The empty state offers the next day.
  await page.goto(`/buscar?fecha=2099-01-01`);
  await expect(page.getByTestId("available-count")).toHaveText("No hay bloques disponibles para esta fecha.");
  await expect(page.getByRole("link", { name: "ver para mañana →" })).toHaveAttribute("href", "/buscar?fecha=2099-01-02");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the search form is a plain GET form", async ({ page }) => {
    const { date } = await setUp(page);
    await page.getByLabel("Fecha").fill(date);
    await page.getByRole("button", { name: "Buscar" }).click();
    await expect(page).toHaveURL(new RegExp(`fecha=${date}`));
    await expect(page.getByTestId("available-count")).toHaveText("4 bloques disponibles.");
  });
});
