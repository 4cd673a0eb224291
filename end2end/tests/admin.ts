import { expect, type Page } from "@playwright/test";
import { PASSWORD, sql, type Building } from "./data";

/** Logs an account created in `data.ts` in (every one has `PASSWORD`). */
export async function logIn(page: Page, email: string): Promise<void> {
  await page.goto("/ingresar");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(PASSWORD);
  await page.getByRole("button", { name: "Ingresar" }).click();
}

/** Logs a staff account (created with `createStaff`) in; they land on /admin. */
export async function logInStaff(page: Page, email: string): Promise<void> {
  await logIn(page, email);
  await expect(page).toHaveURL(/\/admin$/);
}

/** One spot and Día (base $3.000) / Noche (base $5.000) blocks on the day after tomorrow
 *  (Santiago); returns that date as yyyy-mm-dd. */
export async function blocksAfterTomorrow(b: Building): Promise<string> {
  const [s] = await sql<{ id: string }>(
    "insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id",
    [b.id],
  );
  const [{ date }] = await sql<{ date: string }>(
    "select to_char((now() at time zone 'America/Santiago')::date + 2, 'YYYY-MM-DD') as date",
  );
  await sql(
    `insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp, sort_order)
     values ($1, 'Día', '08:00', 660, 3000, 1), ($1, 'Noche', '20:00', 660, 5000, 2)`,
    [b.id],
  );
  await sql(
    `insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
     values ($1, $2, ($3::date + time '08:00') at time zone 'America/Santiago', ($3::date + time '19:00') at time zone 'America/Santiago', 3000),
            ($1, $2, ($3::date + time '20:00') at time zone 'America/Santiago', ($3::date + 1 + time '07:00') at time zone 'America/Santiago', 5000)`,
    [s.id, b.id, date],
  );
  return date;
}

/** The audit viewer, filtered by action prefix, lists `action` (checked as `who` sees it). */
export async function expectAudited(page: Page, action: string): Promise<void> {
  await page.goto(`/admin/auditoria?accion=${encodeURIComponent(action)}`);
  await expect(page.getByTestId("audit-row").filter({ hasText: action }).first()).toBeVisible();
}
