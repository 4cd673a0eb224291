import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createResident, createStaff, sql, type Building } from "./data";
import { logIn, logInStaff, expectAudited } from "./admin";
import type { Page } from "@playwright/test";

/** Spots V-01…V-12 of `b`, none placed, plus P-1 placed at (150, 150). */
async function dozenSpots(b: Building): Promise<void> {
  await sql(
    `insert into visitor_spots (building_id, number, sort_order)
     select $1, format('V-%s', lpad(g::text, 2, '0')), g from generate_series(1, 12) g`,
    [b.id],
  );
  await sql("insert into visitor_spots (building_id, number, map_x, map_y, sort_order) values ($1, 'P-1', 150, 150, 0)", [b.id]);
}

async function position(b: Building, number: string): Promise<[number | null, number | null]> {
  const [row] = await sql<{ map_x: number | null; map_y: number | null }>(
    "select map_x, map_y from visitor_spots where building_id = $1 and number = $2",
    [b.id, number],
  );
  return [row.map_x, row.map_y];
}

/** Screen rectangles of every box of the plan `testid` (and of their labels) must not overlap. */
async function expectNoOverlap(page: Page, spotTestId: string): Promise<number> {
  const boxes = await page.getByTestId(spotTestId).evaluateAll((gs) =>
    gs.map((g) => {
      const r = g.querySelector("rect")!.getBoundingClientRect();
      const texts = [...g.querySelectorAll("text")].map((t) => t.getBoundingClientRect());
      return { r: [r.left, r.top, r.right, r.bottom], texts: texts.map((t) => [t.left, t.top, t.right, t.bottom]) };
    }),
  );
  const overlap = (a: number[], b: number[]) => a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5;
  for (let i = 0; i < boxes.length; i++) {
    for (const t of boxes[i].texts) {
      // Each label lies inside its own box…
      expect(t[0] >= boxes[i].r[0] - 0.5 && t[2] <= boxes[i].r[2] + 0.5, `label inside box ${i}`).toBe(true);
    }
    for (let j = 0; j < i; j++) {
      // …and no two boxes share any area.
      expect(overlap(boxes[i].r, boxes[j].r), `boxes ${i} and ${j} overlap`).toBe(false);
    }
  }
  return boxes.length;
}

test("/buscar draws a dozen unplaced spots and a placed one without any overlap", async ({ page }) => {
  const b = await createBuilding("Torre Plano");
  await dozenSpots(b);
  const resident = await createResident(b);
  await logIn(page, resident.email);
  await expect(page).toHaveURL(/\/buscar$/);
  await waitForHydration(page);
  await expect(page.getByTestId("spot-map")).toBeVisible();
  expect(await expectNoOverlap(page, "map-spot")).toBe(13);
  await expect(page.getByTestId("map-spot").filter({ hasText: "P-1" }).locator("rect")).toHaveAttribute("x", "110");
  await expectAccessible(page);
});

test("an admin drags a spot on the plan, saves it, and /buscar shows it there", async ({ page, browser }) => {
  const b = await createBuilding("Torre Plano");
  await dozenSpots(b);
  const admin = await createStaff("building_admin", b.id);
  await logInStaff(page, admin.email);
  await page.goto(`/admin/estacionamientos?edificio=${b.id}`);
  await waitForHydration(page);
  await expect(page.getByTestId("spot-plan")).toBeVisible();
  expect(await expectNoOverlap(page, "plan-spot")).toBe(13);
  await expectAccessible(page);

  // Drag V-05 to about (700, 400) on the plan.
  const box = page.locator('[data-testid="plan-spot"][data-number="V-05"]');
  // The mouse works in viewport coordinates: the whole plan must be on screen first.
  await page.locator("svg[data-plan]").scrollIntoViewIfNeeded();
  const from = await box.locator("rect").boundingBox();
  const to = await page.locator("svg[data-plan]").evaluate((svg: SVGSVGElement) => {
    const p = svg.createSVGPoint();
    p.x = 700;
    p.y = 400;
    const s = p.matrixTransform(svg.getScreenCTM()!);
    return { x: s.x, y: s.y };
  });
  await page.mouse.move(from!.x + from!.width / 2, from!.y + from!.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
  const form = page.getByTestId("spot-place");
  await expect(form.getByRole("heading")).toContainText("V-05");
  const x = Number(await form.getByLabel("Posición horizontal (x)").inputValue());
  const y = Number(await form.getByLabel("Posición vertical (y)").inputValue());
  expect(Math.abs(x - 700)).toBeLessThanOrEqual(10);
  expect(Math.abs(y - 400)).toBeLessThanOrEqual(10);
  await expect(form.getByRole("status")).toContainText("Guardar posición");
  await form.getByRole("button", { name: "Guardar posición" }).click();
  await expect(page.getByText("Posición guardada: así se verá en «Buscar».")).toBeVisible();
  expect(await position(b, "V-05")).toEqual([x, y]);
  await expect(box).toHaveAttribute("data-placed", "true");
  await expect(box).toHaveAttribute("data-x", String(x));
  expect(await expectNoOverlap(page, "plan-spot")).toBe(13);
  await expectAudited(page, "spot.placed");

  // The resident's map draws it at the saved position, still without overlaps.
  const resident = await createResident(b);
  const context = await browser.newContext();
  const other = await context.newPage();
  await logIn(other, resident.email);
  await expect(other).toHaveURL(/\/buscar$/);
  await expect(other.getByTestId("map-spot").filter({ hasText: "V-05" }).locator("rect")).toHaveAttribute("x", String(x - 40));
  expect(await expectNoOverlap(other, "map-spot")).toBe(13);
  await context.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("an admin places a spot with the numeric fields; bad and overlapping positions are refused", async ({ page }) => {
    const b = await createBuilding("Torre Plano");
    await dozenSpots(b);
    const admin = await createStaff("building_admin", b.id);
    await logInStaff(page, admin.email);
    await page.goto(`/admin/estacionamientos?edificio=${b.id}`);
    await page.getByRole("link", { name: "Ubicar estacionamiento V-03 en el plano" }).click();
    const form = page.getByTestId("spot-place");
    await expect(form.getByRole("heading")).toContainText("V-03");
    await expect(form).toContainText("Sin posición guardada");
    await expectAccessible(page);

    await form.getByLabel("Posición horizontal (x)").fill("39");
    await form.getByLabel("Posición vertical (y)").fill("300");
    await form.getByRole("button", { name: "Guardar posición" }).click();
    await expect(page.getByTestId("spot-place")).toContainText("La posición horizontal (x) debe ser un número entero entre 40 y 960.");
    expect(await position(b, "V-03")).toEqual([null, null]);

    await page.getByTestId("spot-place").getByLabel("Posición horizontal (x)").fill("500");
    await page.getByTestId("spot-place").getByLabel("Posición vertical (y)").fill("300");
    await page.getByTestId("spot-place").getByRole("button", { name: "Guardar posición" }).click();
    await expect(page.getByText("Posición guardada: así se verá en «Buscar».")).toBeVisible();
    expect(await position(b, "V-03")).toEqual([500, 300]);
    await expect(page.locator('[data-testid="plan-spot"][data-number="V-03"]')).toHaveAttribute("data-x", "500");

    // V-04 on top of V-03: the database refuses it, with the rule in Spanish.
    await page.getByRole("link", { name: "Ubicar estacionamiento V-04 en el plano" }).click();
    await page.getByTestId("spot-place").getByLabel("Posición horizontal (x)").fill("540");
    await page.getByTestId("spot-place").getByLabel("Posición vertical (y)").fill("320");
    await page.getByTestId("spot-place").getByRole("button", { name: "Guardar posición" }).click();
    await expect(page.getByTestId("spot-place")).toContainText("choca con otro estacionamiento");
    expect(await position(b, "V-04")).toEqual([null, null]);
    await expectAccessible(page);

    // Emptying both fields takes V-03 off the plan again.
    await page.getByRole("link", { name: "Ubicar estacionamiento V-03 en el plano" }).click();
    await page.getByTestId("spot-place").getByLabel("Posición horizontal (x)").fill("");
    await page.getByTestId("spot-place").getByLabel("Posición vertical (y)").fill("");
    await page.getByTestId("spot-place").getByRole("button", { name: "Guardar posición" }).click();
    await expect(page.getByText("Posición guardada: así se verá en «Buscar».")).toBeVisible();
    expect(await position(b, "V-03")).toEqual([null, null]);
  });
});
