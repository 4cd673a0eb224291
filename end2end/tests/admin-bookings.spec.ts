import { readFile } from "node:fs/promises";
import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createStaff, sql } from "./data";
import { expectAudited, logInStaff } from "./admin";

test("bookings are filtered, exported to CSV and cancelled with a full refund", async ({ page }) => {
  const b = await createBuilding("Torre Reservas Admin");
  const other = await createBuilding("Torre Ajena");
  const kept = await createConfirmedBooking(b, "KHJT52", 60 * 48);
  await createConfirmedBooking(b, "BBBB12", 60 * 50);
  await createConfirmedBooking(other, "KHJT52", 60 * 48);
  await sql(
    "insert into payments (booking_id, provider, provider_payment_id, amount_clp, status, approved_at) values ($1, 'simulator', $2, 5000, 'approved', now())",
    [kept.id, `sim-${kept.code}`],
  );
  const admin = await createStaff("building_admin", b.id);
  await logInStaff(page, admin.email);
  await page.getByRole("link", { name: "Reservas", exact: true }).click();
  await waitForHydration(page);
  await expect(page.getByTestId("booking-row")).toHaveCount(2);
  await expectAccessible(page);

  await page.getByLabel("Estado").selectOption("confirmed");
  await page.getByLabel("Patente, código o visita").fill("khjt 52");
  await page.getByRole("button", { name: "Filtrar" }).click();
  await expect(page).toHaveURL(/buscar=khjt/);
  await expect(page.getByTestId("booking-row")).toHaveCount(1);
  await expect(page.getByTestId("booking-row")).toContainText(kept.code);

  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^reservas-\d{8}\.csv$/);
  const bytes = await readFile((await download.path()) ?? "");
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.toString("utf8").replace(/^\uFEFF/, "").split("\r\n").filter((l) => l !== "");
  expect(lines[0]).toBe("Código;Edificio;Estacionamiento;Inicio;Término;Visita;Patente;Estado;Monto (CLP);Id");
  expect(lines).toHaveLength(2);
  const fields = lines[1].split(";");
  expect(fields[0]).toBe(kept.code);
  expect(fields[1]).toBe(b.name);
  expect(fields[3]).toMatch(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2}$/);
  expect(fields[6]).toBe("KHJT-52");
  expect(fields[8]).toBe("5000");
  expect(lines.join("\n")).not.toContain(other.name);

  await page.getByRole("link", { name: `Cancelar la reserva ${kept.code}` }).click();
  await expect(page.getByTestId("refund-amount")).toHaveText("$5.000");
  await expectAccessible(page);
  await page.getByRole("button", { name: "Confirmar cancelación" }).click();
  await expect(page.getByTestId("booking-status")).toHaveText("Cancelada");
  await page.goto("/admin/reservas?estado=cancelled");
  await expect(page.getByTestId("booking-row").filter({ hasText: kept.code })).toBeVisible();

  await expectAudited(page, "booking.exported");
  await expectAudited(page, "booking.cancel");
});
