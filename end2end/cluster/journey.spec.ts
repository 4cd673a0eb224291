import { readFileSync } from "node:fs";
import { test, expect, expectAccessible, waitForHydration } from "../tests/fixtures";
import { sql } from "../tests/data";
import type { Browser, Page } from "@playwright/test";

/**
 * The seed journey through HAProxy over HTTPS to two APP_ENV=production instances
 * (scripts/cluster-test.sh starts them): the building admin sets a 2,0× rule, the seeded resident
 * sees the doubled price and books; one instance is killed with SIGKILL after the booking and
 * before the payment; the payment (simulator) still goes through on the other instance and the
 * WhatsApp confirmations reach the fake Twilio, once each.
 */
const SEED_PASSWORD = "Estacionate.Demo.2026";
const FAKE_TWILIO = process.env.FAKE_TWILIO_URL ?? "";
const KILL_PID_FILE = process.env.KILL_PID_FILE ?? "";

type Message = { sid: string; to: string; body: string };

async function twilioMessages(): Promise<Message[]> {
  const res = await fetch(`${FAKE_TWILIO}/messages`);
  return (await res.json()) as Message[];
}

/**
 * Every instance that answered a request of `page` (HAProxy's X-Served-By) sent since the set was
 * last cleared: a request the browser had already sent when the set was cleared (a call the page
 * made just before the kill) does not count, however late its answer or its event arrives. The
 * browser's request start time and the clear are both wall-clock times on this machine.
 */
const clearedAt = new WeakMap<Set<string>, number>();
function recordServers(page: Page, served: Set<string>): void {
  page.on("response", (r) => {
    const server = r.headers()["x-served-by"];
    // Pages and server functions only: a script or the wasm may come from the browser's cache,
    // which replays the header of the instance that first served it.
    const dynamic = r.request().resourceType() === "document" || new URL(r.url()).pathname.startsWith("/api/");
    if (server && dynamic && r.request().timing().startTime > (clearedAt.get(served) ?? 0)) served.add(server);
  });
}

function clearServers(served: Set<string>): void {
  served.clear();
  clearedAt.set(served, Date.now());
}

async function logIn(page: Page, email: string, landing: RegExp): Promise<void> {
  await page.goto("/ingresar");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(SEED_PASSWORD);
  await page.getByRole("button", { name: "Ingresar" }).click();
  await expect(page).toHaveURL(landing);
}

async function setDoubleRule(browser: Browser, date: string, served: Set<string>): Promise<void> {
  const context = await browser.newContext();
  const admin = await context.newPage();
  recordServers(admin, served);
  await logIn(admin, "admin.parque@estacionate.cl", /\/admin$/);
  // Production's session cookie: __Host- prefix, Secure, HttpOnly.
  const session = (await context.cookies()).find((c) => c.name.startsWith("__Host-"));
  expect(session?.secure && session.httpOnly, "a __Host- session cookie with Secure and HttpOnly").toBe(true);
  await admin.goto("/admin/precios");
  await waitForHydration(admin);
  const form = admin.getByTestId("pricing-form");
  await form.getByLabel("Nombre").fill("Evento en el barrio");
  await form.getByLabel("Multiplicador").fill("2,0");
  await form.getByLabel("Desde").fill(date);
  await form.getByLabel("Hasta (inclusive)").fill(date);
  await form.getByRole("button", { name: "Crear regla" }).click();
  await expect(admin.getByTestId("pricing-rule").filter({ hasText: "Evento en el barrio" })).toContainText("×2");
  await context.close();
}

test("the seed journey completes through HAProxy although an instance is killed before the payment", async ({ page, browser }) => {
  const served = new Set<string>();
  recordServers(page, served);
  const [{ date }] = await sql<{ date: string }>(
    "select to_char((now() at time zone 'America/Santiago')::date + 2, 'YYYY-MM-DD') as date",
  );
  await setDoubleRule(browser, date, served);

  await logIn(page, "residente@estacionate.cl", /\/buscar$/);
  await page.goto(`/buscar?fecha=${date}`);
  // A click while the page hydrates can be taken by the router before the route is ready.
  await waitForHydration(page);
  const night = page.getByTestId("block-card").filter({ hasText: "20:00" }).first();
  await expect(night.getByTestId("price")).toHaveText("$10.000");
  await night.getByRole("link", { name: /^Reservar/ }).click();
  await expect(page.getByTestId("amount")).toHaveText("$10.000");
  await page.getByLabel("Nombre de tu visita").fill("Matías Rivas");
  await page.getByLabel("Patente").fill("KHJT-52");
  await page.getByLabel("Celular de tu visita (opcional)").fill("9 8765 4321");
  await page.getByRole("button", { name: /Continuar al pago/ }).click();
  await expect(page.getByRole("heading", { name: "Simulador de pago" })).toBeVisible();
  expect([...served].sort(), "both instances served the journey so far").toEqual(["app1", "app2"]);

  // The booking exists (pending); one instance dies without any warning.
  process.kill(Number(readFileSync(KILL_PID_FILE, "utf8").trim()), "SIGKILL");
  clearServers(served);

  await expectAccessible(page);
  await page.getByRole("button", { name: "Aprobar" }).click();
  await expect(page.getByRole("heading", { name: "Reserva confirmada" })).toBeVisible();
  const code = (await page.getByTestId("confirmation-code").textContent())?.trim() ?? "";
  expect(code).toMatch(/^[23456789A-HJ-NP-Z]{4}-[23456789A-HJ-NP-Z]{4}$/);
  expect([...served], "only the surviving instance answers after the kill").toEqual(["app2"]);

  // WhatsApp: the visitor's and the resident's confirmations, each exactly once.
  await expect
    .poll(async () => (await twilioMessages()).filter((m) => m.body.includes(code)).length, { timeout: 45_000 })
    .toBe(2);
  const confirmations = (await twilioMessages()).filter((m) => m.body.includes(code));
  expect(new Set(confirmations.map((m) => m.to)).size).toBe(2);
  expect(confirmations.some((m) => m.to === "whatsapp:+56987654321")).toBe(true);
});
