import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createResident, createStaff, sql, type Building } from "./data";
import { expectAudited, logIn, logInStaff } from "./admin";
import type { Page } from "@playwright/test";

/**
 * A building admin reprices a block template: a preview first says how many future available
 * blocks change (never booked, past or other templates' blocks), then the change applies to
 * exactly those, and residents see the new price.
 */

// Long journeys (many pages, logins and password hashes each): on a busy machine they need more than 30 s.
test.describe.configure({ timeout: 180_000 });

type Setup = { b: Building; date: string; dia: string };

/** Día ($3.000, 08:00) and Noche ($5.000, 20:00) templates on two spots. Día has six future
 *  available blocks (days +2 to +4), one booked (+5) and one past (-1); Noche one block (+2). */
async function setUp(): Promise<Setup> {
  const b = await createBuilding("Torre Bloques");
  const spots = await sql<{ id: string }>(
    "insert into visitor_spots (building_id, number) values ($1, 'V-01'), ($1, 'V-02') returning id",
    [b.id],
  );
  const [dia] = await sql<{ id: string }>(
    `insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp, sort_order)
     values ($1, 'Día', '08:00', 660, 3000, 1) returning id`,
    [b.id],
  );
  const [noche] = await sql<{ id: string }>(
    `insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp, sort_order)
     values ($1, 'Noche', '20:00', 660, 5000, 2) returning id`,
    [b.id],
  );
  const day = "(now() at time zone 'America/Santiago')::date";
  await sql(
    `insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp, status)
     select s, $2, $3, (${day} + d + time '08:00') at time zone 'America/Santiago',
            (${day} + d + time '19:00') at time zone 'America/Santiago', 3000,
            case when d = 5 then 'reserved' else 'available' end
       from unnest($1::uuid[]) s, unnest(array[-1, 2, 3, 4, 5]) d
      where d in (2, 3, 4) or s = ($1::uuid[])[1]`,
    [spots.map((s) => s.id), b.id, dia.id],
  );
  await sql(
    `insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp)
     values ($1, $2, $3, (${day} + 2 + time '20:00') at time zone 'America/Santiago',
             (${day} + 3 + time '07:00') at time zone 'America/Santiago', 5000)`,
    [spots[0].id, b.id, noche.id],
  );
  const [{ date }] = await sql<{ date: string }>(`select to_char(${day} + 2, 'YYYY-MM-DD') as date`);
  return { b, date, dia: dia.id };
}

/** Prices of the Día blocks by kind: future available, booked, past. */
async function diaPrices(dia: string): Promise<{ future: number[]; booked: number[]; past: number[] }> {
  const rows = await sql<{ kind: string; price: string }>(
    `select case when status = 'reserved' then 'booked' when starts_at < now() then 'past' else 'future' end as kind,
            base_price_clp::text as price
       from availability_blocks where template_id = $1`,
    [dia],
  );
  const of = (k: string) => rows.filter((r) => r.kind === k).map((r) => Number(r.price));
  return { future: of("future"), booked: of("booked"), past: of("past") };
}

/** Opens the edit of Día and asks for the preview of `name` / `price`. */
async function reviewEdit(page: Page, b: Building, price: string, name = "Día") {
  await page.goto(`/admin/bloques?edificio=${b.id}`);
  await page.getByRole("link", { name: "Editar Día" }).click();
  const form = page.getByTestId("template-edit");
  await form.getByLabel("Nombre", { exact: true }).fill(name);
  await form.getByLabel("Precio base (CLP)").fill(price);
  await form.getByRole("button", { name: "Revisar cambio" }).click();
}

test("a building admin reprices Día after a preview of the six blocks that change", async ({ page, browser }) => {
  const { b, date, dia } = await setUp();
  const manager = await createStaff("building_admin", b.id);
  await logInStaff(page, manager.email);
  await page.goto(`/admin/bloques?edificio=${b.id}`);
  await waitForHydration(page);
  const row = page.getByTestId("template").filter({ hasText: /^\s*Día/ });
  await expect(row).toContainText("$3.000");
  await expect(row.locator("td").nth(4)).toHaveText("6");
  await expectAccessible(page);

  // A price that is not one is refused at the preview, on its field.
  await reviewEdit(page, b, "tres mil");
  await expect(page.locator("#precio-error")).not.toBeEmpty();
  await expect(page.getByTestId("price-preview")).toHaveCount(0);

  // The preview counts what would change; going back changes nothing.
  await reviewEdit(page, b, "4.500");
  const preview = page.getByTestId("price-preview");
  await expect(preview).toContainText(
    "Cambiará el precio de 6 bloques disponibles futuros (de $3.000 a $4.500). Las reservas ya hechas conservan su precio.",
  );
  await expectAccessible(page);
  await preview.getByRole("link", { name: "No, volver" }).click();
  await expect(page.getByTestId("price-preview")).toHaveCount(0);
  expect((await diaPrices(dia)).future).toEqual([3000, 3000, 3000, 3000, 3000, 3000]);

  // Confirmed: exactly those six change; the booked and the past block keep their price.
  await reviewEdit(page, b, "$4.500");
  await page.getByTestId("price-preview").getByRole("button", { name: "Confirmar cambio" }).click();
  await expect(page.getByTestId("repriced")).toHaveText("Bloque guardado: 6 bloques disponibles futuros cambiaron de precio.");
  await expect(page.getByTestId("template").filter({ hasText: /^\s*Día/ })).toContainText("$4.500");
  expect(await diaPrices(dia)).toEqual({ future: [4500, 4500, 4500, 4500, 4500, 4500], booked: [3000], past: [3000] });
  const [{ noche }] = await sql<{ noche: string }>(
    "select base_price_clp::text as noche from availability_blocks where building_id = $1 and template_id <> $2",
    [b.id, dia],
  );
  expect(noche).toBe("5000");

  // The resident sees the new price.
  const residentContext = await browser.newContext();
  const resident = await residentContext.newPage();
  await logIn(resident, (await createResident(b)).email);
  await expect(resident).toHaveURL(/\/buscar$/);
  await resident.goto(`/buscar?fecha=${date}`);
  await expect(resident.getByTestId("block-card").filter({ hasText: "08:00" }).first().getByTestId("price")).toHaveText("$4.500");
  await expect(resident.getByTestId("block-card").filter({ hasText: "20:00" }).getByTestId("price")).toHaveText("$5.000");
  await residentContext.close();

  // The same price again changes nothing, and the preview says so.
  await reviewEdit(page, b, "4500");
  await expect(page.getByTestId("price-preview")).toContainText("El precio base se mantiene en $4.500; ningún bloque cambia de precio.");

  // Renaming it to another template's name is refused with the reason; nothing changes.
  await reviewEdit(page, b, "5.000", "Noche");
  await page.getByTestId("price-preview").getByRole("button", { name: "Confirmar cambio" }).click();
  await expect(page.getByRole("alert")).toHaveText("Ya existe un bloque con ese nombre en este edificio.");
  expect((await diaPrices(dia)).future).toEqual([4500, 4500, 4500, 4500, 4500, 4500]);

  await expectAudited(page, "block_template.updated");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the edit, its preview and the confirmation work as plain forms", async ({ page }) => {
    const { b, dia } = await setUp();
    const manager = await createStaff("building_admin", b.id);
    await logInStaff(page, manager.email);
    await reviewEdit(page, b, "-5");
    await expect(page.locator("#precio-error")).not.toBeEmpty();
    await reviewEdit(page, b, "3.500");
    await expect(page.getByTestId("price-preview")).toContainText("Cambiará el precio de 6 bloques disponibles futuros (de $3.000 a $3.500).");
    await page.getByTestId("price-preview").getByRole("button", { name: "Confirmar cambio" }).click();
    await expect(page.getByTestId("repriced")).toHaveText("Bloque guardado: 6 bloques disponibles futuros cambiaron de precio.");
    expect((await diaPrices(dia)).future).toEqual([3500, 3500, 3500, 3500, 3500, 3500]);
  });
});
