import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createStaff, sql } from "./data";
import { logIn } from "./admin";
import type { Page } from "@playwright/test";

/**
 * The gate beyond the plate (gate.spec.ts): verification by the booking's confirmation code,
 * "No llegó" for a visitor who never came, and the overstay list, which the minutely job fills
 * and the check-out empties.
 */

// Long journeys (many pages, logins and password hashes each): on a busy machine they need more than 30 s.
test.describe.configure({ timeout: 180_000 });

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

/** `ABCD2345` as a concierge might type it from a phone screen: `abcd-2345`. */
function typed(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase();
}

async function verify(page: Page, q: string) {
  await page.getByLabel("Patente o código de la reserva").fill(q);
  await page.getByRole("button", { name: "Verificar" }).click();
}

async function statusOf(id: string): Promise<string> {
  const [row] = await sql<{ status: string }>("select status from bookings where id = $1", [id]);
  return row.status;
}

test("the concierge verifies by code, marks «No llegó», and checks out an overstay the job listed", async ({ page }) => {
  const b = await createBuilding("Torre Portería");
  // Inside since the morning; its window ended 20 minutes ago, past the 15 minutes of grace.
  const late = await createConfirmedBooking(b, "LLTT45", -200, 180);
  await sql("update bookings set status = 'checked_in', checked_in_at = now() - interval '190 minutes' where id = $1", [late.id]);
  const byCode = await createConfirmedBooking(b, "CCDD12", 10);
  const absent = await createConfirmedBooking(b, "NNLL77", -10);
  const concierge = await createStaff("concierge", b.id);
  await logIn(page, concierge.email);
  await expect(page).toHaveURL(/\/conserjeria$/);
  await waitForHydration(page);
  await expect(page.getByTestId("arrivals")).toContainText("CCDD-12");
  await expect(page.getByTestId("arrivals")).toContainText("NNLL-77");

  // By code, typed with a dash and in lower case: allowed, but not yet "No llegó" (not started).
  await verify(page, typed(byCode.code));
  const verdict = page.getByTestId("verdict");
  await expect(verdict).toContainText("AUTORIZADO");
  await expect(verdict).toContainText("CCDD-12");
  await expect(verdict).toContainText(byCode.spot);
  await expect(verdict.getByRole("button", { name: "No llegó" })).toHaveCount(0);
  await expectAccessible(page);
  await verdict.getByRole("button", { name: "Registrar ingreso" }).click();
  await expect(page.getByTestId("inside")).toContainText("CCDD-12");
  await expect(page.getByTestId("arrivals")).not.toContainText("CCDD-12");
  expect(await statusOf(byCode.id)).toBe("checked_in");

  // A code of another building's booking, or a mistyped one, is denied.
  await verify(page, "2345-6789");
  await expect(verdict).toContainText("DENEGADO");
  await expect(verdict).toContainText("No hay una reserva para esta patente o código en este edificio.");

  // Ten minutes late and not here: "No llegó" takes it off the arrivals for good.
  await verify(page, "nn ll 77");
  await expect(verdict).toContainText("AUTORIZADO");
  await verdict.getByRole("button", { name: "No llegó" }).click();
  await expect(page.getByTestId("arrivals")).not.toContainText("NNLL-77");
  expect(await statusOf(absent.id)).toBe("no_show");
  await verify(page, "NNLL77");
  await expect(verdict).toContainText("DENEGADO");
  await expect(verdict).toContainText("La reserva fue marcada como no llegó.");

  // The job moves the late car to "Excedidos"; the screen follows without a reload.
  const overstays = page.getByTestId("overstays");
  await expect(overstays).toContainText("LLTT-45", { timeout: 75_000 });
  await expect(overstays.getByRole("heading")).toHaveText("Excedidos (1)");
  await expect(page.getByTestId("inside")).not.toContainText("LLTT-45");
  await expectAccessible(page);
  await verify(page, "lltt-45");
  await expect(verdict).toContainText("AUTORIZADO");
  await expect(verdict).toContainText("El vehículo excedió su horario: registra la salida.");
  await overstays.getByRole("button", { name: "Registrar salida" }).click();
  await expect(overstays).toContainText("Ningún auto excedió su horario.");
  expect(await statusOf(late.id)).toBe("checked_out");

  // Every step is an access event of this building.
  const kinds = await sql<{ kind: string }>(
    `select kind from access_events
      where building_id = $1 and actor_id = $2 and kind in ('check_in', 'no_show', 'check_out') order by created_at`,
    [b.id, concierge.id],
  );
  expect(kinds.map((k) => k.kind)).toEqual(["check_in", "no_show", "check_out"]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("code verification, «No llegó» and the overstay check-out work as plain forms", async ({ page }) => {
    const b = await createBuilding("Torre Portería");
    const byCode = await createConfirmedBooking(b, "CCDD34", 5);
    const absent = await createConfirmedBooking(b, "NNLL88", -5);
    // One the job already marked as overstay.
    const late = await createConfirmedBooking(b, "LLTT67", -200, 180);
    await sql("update bookings set status = 'overstay', checked_in_at = now() - interval '190 minutes' where id = $1", [late.id]);
    const concierge = await createStaff("concierge", b.id);
    await logIn(page, concierge.email);
    await expect(page).toHaveURL(/\/conserjeria$/);

    await verify(page, typed(byCode.code));
    await expect(page.getByTestId("verdict")).toContainText("AUTORIZADO");
    await page.getByTestId("verdict").getByRole("button", { name: "Registrar ingreso" }).click();
    await expect(page.getByTestId("inside")).toContainText("CCDD-34");

    await verify(page, "NNLL-88");
    await page.getByTestId("verdict").getByRole("button", { name: "No llegó" }).click();
    await expect(page.getByTestId("arrivals")).not.toContainText("NNLL-88");
    expect(await statusOf(absent.id)).toBe("no_show");

    await expect(page.getByTestId("overstays")).toContainText("LLTT-67");
    await page.getByTestId("overstays").getByRole("button", { name: "Registrar salida" }).click();
    await expect(page.getByTestId("overstays")).toContainText("Ningún auto excedió su horario.");
    expect(await statusOf(late.id)).toBe("checked_out");
  });
});
