import { expect, type Page } from "@playwright/test";
import { PASSWORD, sql, type Building } from "./data";

/** Logs an account in: by default one created in `data.ts` (every one has `PASSWORD`). */
export async function logIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/ingresar");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(password);
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

/**
 * The password-reset code last sent to `phone`, read where a test can: a platform admin
 * (`adminPage` is logged in as one) in the development outbox of `/admin/mensajes` (the e2e
 * server runs with APP_ENV=development; every other role, and production, sees the mask).
 * Sending is asynchronous (outbox, then the worker), so it looks until the message is there.
 */
export async function readResetCode(adminPage: Page, phone: string): Promise<string> {
  // The list shows the recipient masked: "+56 9 •••• 1234".
  const recipient = `•••• ${phone.replace(/\D/g, "").slice(-4)}`;
  let code = "";
  await expect(async () => {
    await adminPage.goto("/admin/mensajes");
    const message = adminPage.getByTestId("message").filter({ hasText: "Código de recuperación" }).filter({ hasText: recipient }).first();
    const text = (await message.locator(".message__body").innerText({ timeout: 1_000 })).trim();
    code = /Tu código es: \*(\d{6})\*/.exec(text)?.[1] ?? "";
    expect(code, text).toMatch(/^\d{6}$/);
  }).toPass({ timeout: 15_000 });
  return code;
}

/** A blocklist kind as the add form's "Tipo" select names it. */
export type BlockKind = "plate" | "rut" | "email" | "phone" | "ip";

/**
 * Adds `value` to the blocklist through `/admin/bloqueos` as the logged-in building admin (so in
 * their building) and waits until the entry is listed; `reason` (unique per call) finds it.
 */
export async function addToBlocklist(page: Page, kind: BlockKind, value: string, reason: string): Promise<void> {
  await page.goto("/admin/bloqueos");
  const form = page.getByTestId("blocklist-add");
  await form.getByLabel("Tipo").selectOption(kind);
  await form.getByLabel("Valor").fill(value);
  await form.getByLabel("Motivo").fill(reason);
  await form.getByRole("button", { name: "Agregar a la lista de bloqueo" }).click();
  await expect(page.getByTestId("blocklist-entry").filter({ hasText: reason })).toBeVisible();
}

/** Removes the entry added with `reason`, after confirming. */
export async function removeFromBlocklist(page: Page, reason: string): Promise<void> {
  await page.goto("/admin/bloqueos");
  await page.getByTestId("blocklist-entry").filter({ hasText: reason }).getByRole("link", { name: /^Eliminar/ }).click();
  await page.getByTestId("confirm-remove").getByRole("button", { name: "Sí, eliminar" }).click();
  await expect(page.getByText("Entrada eliminada de la lista de bloqueo.")).toBeVisible();
  await expect(page.getByTestId("blocklist-entry").filter({ hasText: reason })).toHaveCount(0);
}
