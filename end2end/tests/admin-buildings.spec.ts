import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createResident, createStaff, sql } from "./data";
import { blocksAfterTomorrow, expectAudited, logIn, logInStaff } from "./admin";

/**
 * A platform admin archives, restores and deletes buildings, and is refused where that would
 * lose history or act twice: a building with bookings or accounts cannot be deleted (the
 * refusal says why and suggests archiving, even when the account arrived after the page
 * offered the delete), archiving twice from a stale page says it already was, and an archived
 * building generates no availability and takes no bookings.
 */

// Long journeys (many pages, logins and password hashes each): on a busy machine they need more than 30 s.
test.describe.configure({ timeout: 180_000 });

async function countBuildings(id: string): Promise<number> {
  const [{ n }] = await sql<{ n: number }>("select count(*)::int as n from buildings where id = $1", [id]);
  return n;
}

test("archive and delete refusals speak Spanish and change nothing; archive, restore and delete work", async ({ page, browser }) => {
  const b = await createBuilding("Torre Archivo");
  const date = await blocksAfterTomorrow(b);
  // Five days ahead: not on the day the resident looks at below.
  await createConfirmedBooking(b, "KHJT52", 60 * 24 * 5);
  const admin = await createStaff("admin", null);
  await logInStaff(page, admin.email);

  // A building with a booking cannot be deleted: the panel says why, with no button.
  await page.goto(`/admin/edificios/${b.id}`);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Eliminar edificio" }).click();
  const refusal = page.getByTestId("confirm-delete");
  await expect(refusal).toContainText(`No se puede eliminar ${b.name}`);
  await expect(refusal).toContainText("Este edificio tiene 1 reserva registrada; archívalo en su lugar.");
  await expect(refusal.getByRole("button", { name: "Sí, eliminar" })).toHaveCount(0);
  await expectAccessible(page);

  // The building's admin has the page open with "Generar disponibilidad ahora" on it, and a
  // second tab of the platform admin has the archive confirmation open.
  const manager = await createStaff("building_admin", b.id);
  const managerContext = await browser.newContext();
  const managerPage = await managerContext.newPage();
  await logInStaff(managerPage, manager.email);
  await managerPage.goto(`/admin/edificios/${b.id}`);
  await waitForHydration(managerPage);
  await expect(managerPage.getByRole("link", { name: "Archivar edificio" })).toHaveCount(0);
  const stale = await page.context().newPage();
  await stale.goto(`/admin/edificios/${b.id}?archivar=1`);
  await waitForHydration(stale);

  // Archive, after confirming.
  await page.goto(`/admin/edificios/${b.id}`);
  await page.getByRole("link", { name: "Archivar edificio" }).click();
  const confirm = page.getByTestId("confirm-archive");
  await expect(confirm).toContainText(`¿Archivar ${b.name}?`);
  await expectAccessible(page);
  await confirm.getByRole("button", { name: "Sí, archivar" }).click();
  await expect(page.getByTestId("archived")).toHaveText("Archivado");
  await expect(page.getByRole("button", { name: "Restaurar edificio" })).toBeVisible();
  await expectAccessible(page);

  // The stale tab archives again: refused, says so.
  await stale.getByTestId("confirm-archive").getByRole("button", { name: "Sí, archivar" }).click();
  await expect(stale.getByRole("alert")).toHaveText("El edificio ya estaba archivado.");
  await stale.close();

  // The building admin's stale page generates availability: refused, nothing created.
  const [{ before }] = await sql<{ before: number }>("select count(*)::int as before from availability_blocks where building_id = $1", [b.id]);
  await managerPage.getByRole("button", { name: "Generar disponibilidad ahora" }).click();
  await expect(managerPage.getByRole("alert")).toHaveText("El edificio está archivado: no se generan bloques nuevos.");
  const [{ after }] = await sql<{ after: number }>("select count(*)::int as after from availability_blocks where building_id = $1", [b.id]);
  expect(after).toBe(before);
  await managerContext.close();

  // A resident of the archived building finds nothing to book.
  const residentContext = await browser.newContext();
  const resident = await residentContext.newPage();
  await logIn(resident, (await createResident(b)).email);
  await expect(resident).toHaveURL(/\/buscar$/);
  await resident.goto(`/buscar?fecha=${date}`);
  await expect(resident.getByTestId("block-card").filter({ hasText: "20:00" })).toContainText("No disponible");

  // Restored, the block can be booked again.
  await page.getByRole("button", { name: "Restaurar edificio" }).click();
  await expect(page.getByTestId("archived")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Archivar edificio" })).toBeVisible();
  await resident.reload();
  await expect(resident.getByTestId("block-card").filter({ hasText: "20:00" }).getByRole("link", { name: /^Reservar/ })).toBeVisible();
  await residentContext.close();

  // An empty building offers the delete; a concierge account created before the click makes
  // the server refuse it with the reason, and the building stays.
  const empty = await createBuilding("Torre Vacía");
  await page.goto(`/admin/edificios/${empty.id}?eliminar=1`);
  await waitForHydration(page);
  await expect(page.getByTestId("confirm-delete")).toContainText(`¿Eliminar ${empty.name}?`);
  await createStaff("concierge", empty.id);
  await page.getByTestId("confirm-delete").getByRole("button", { name: "Sí, eliminar" }).click();
  await expect(page.getByRole("alert")).toHaveText("Este edificio tiene 1 cuenta de usuario (residente o personal); archívalo en su lugar.");
  expect(await countBuildings(empty.id)).toBe(1);

  // A really empty one is deleted, with its units.
  const gone = await createBuilding("Torre Efímera");
  await page.goto(`/admin/edificios/${gone.id}`);
  await page.getByRole("link", { name: "Eliminar edificio" }).click();
  await expectAccessible(page);
  await page.getByTestId("confirm-delete").getByRole("button", { name: "Sí, eliminar" }).click();
  await expect(page).toHaveURL(/\/admin\/edificios\?eliminado=1$/);
  await expect(page.getByText("Edificio eliminado.")).toBeVisible();
  expect(await countBuildings(gone.id)).toBe(0);
  const [{ units }] = await sql<{ units: number }>("select count(*)::int as units from units where building_id = $1", [gone.id]);
  expect(units).toBe(0);

  await expectAudited(page, "building.archived");
  await expectAudited(page, "building.restored");
  await expectAudited(page, "building.deleted");
});

test("a building admin cannot archive or delete their building, even by posting the form", async ({ page }) => {
  const b = await createBuilding("Torre Propia");
  const manager = await createStaff("building_admin", b.id);
  await logInStaff(page, manager.email);
  await page.goto(`/admin/edificios/${b.id}?archivar=1&eliminar=1`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(b.name);
  await expect(page.getByTestId("confirm-archive")).toHaveCount(0);
  await expect(page.getByTestId("confirm-delete")).toHaveCount(0);
  for (const fn of ["admin/building_archive", "admin/building_delete"]) {
    const r = await page.request.post(`/api/${fn}`, {
      headers: { Origin: new URL(page.url()).origin, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      data: `building_id=${b.id}`,
    });
    expect(r.status(), fn).toBe(403);
  }
  const [{ status }] = await sql<{ status: string }>("select status from buildings where id = $1", [b.id]);
  expect(status).toBe("active");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("archive, the refusals and restore work as plain forms", async ({ page }) => {
    const b = await createBuilding("Torre Archivo SinJS");
    await createConfirmedBooking(b, "BBBB12", 60 * 30);
    const admin = await createStaff("admin", null);
    await logInStaff(page, admin.email);
    await page.goto(`/admin/edificios/${b.id}?eliminar=1`);
    await expect(page.getByTestId("confirm-delete")).toContainText("Este edificio tiene 1 reserva registrada; archívalo en su lugar.");
    // A second tab holds the same confirmation.
    const stale = await page.context().newPage();
    await stale.goto(`/admin/edificios/${b.id}?archivar=1`);
    await page.goto(`/admin/edificios/${b.id}?archivar=1`);
    await page.getByTestId("confirm-archive").getByRole("button", { name: "Sí, archivar" }).click();
    await expect(page.getByTestId("archived")).toHaveText("Archivado");
    // Archived, the page no longer offers it; the stale tab's post is refused with the reason.
    await page.goto(`/admin/edificios/${b.id}?archivar=1`);
    await expect(page.getByTestId("confirm-archive")).toHaveCount(0);
    await stale.getByTestId("confirm-archive").getByRole("button", { name: "Sí, archivar" }).click();
    await expect(stale.getByRole("alert")).toHaveText("El edificio ya estaba archivado.");
    await stale.close();
    await page.getByRole("button", { name: "Restaurar edificio" }).click();
    await expect(page.getByTestId("archived")).toHaveCount(0);
    const empty = await createBuilding("Torre Vacía SinJS");
    await page.goto(`/admin/edificios/${empty.id}?eliminar=1`);
    await createStaff("concierge", empty.id);
    await page.getByTestId("confirm-delete").getByRole("button", { name: "Sí, eliminar" }).click();
    await expect(page.getByRole("alert")).toHaveText("Este edificio tiene 1 cuenta de usuario (residente o personal); archívalo en su lugar.");
    expect(await countBuildings(empty.id)).toBe(1);
  });
});
