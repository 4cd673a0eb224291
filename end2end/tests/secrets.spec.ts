import { test, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createStaff, randomPhone, sql, unique, type Account } from "./data";
import type { Browser, Page } from "@playwright/test";

/**
 * Issue 12, item 1: support asks for a password reset of a platform admin and then looks for
 * the code everywhere it can go. The code must be nowhere support can read it; the development
 * outbox did receive it (a platform admin reads it there, since the e2e server runs with
 * APP_ENV=development), and it really resets the password.
 */

const NEW_PASSWORD = "Otra.Clave.Segura.2027";

async function logIn(page: Page, email: string, password: string) {
  await page.goto("/ingresar");
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(password);
  await page.getByRole("button", { name: "Ingresar" }).click();
}

/** A platform admin with a WhatsApp number, created by another admin through the staff
 * screen's server function (so the server's vault encrypts the phone). */
async function adminWithPhone(creator: Page): Promise<Account & { phone: string }> {
  const email = `admin.${unique()}@prueba.cl`;
  const phone = randomPhone();
  const password = "Mi.Clave.Inicial.2026";
  const form = new URLSearchParams({
    full_name: "Ignacia Valdés",
    email,
    phone,
    role: "admin",
    building_id: "",
    password,
  });
  const r = await creator.request.post("/api/admin/staff_create", {
    headers: { Origin: new URL(creator.url()).origin, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    data: form.toString(),
  });
  expect(r.status(), await r.text()).toBeLessThan(400);
  const [u] = await sql<{ id: string }>("select id from users where email = $1 and phone_enc is not null", [email]);
  expect(u, "the admin exists with a phone").toBeTruthy();
  return { id: u.id, email, password, phone };
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

test("support cannot read a reset code it asked for; the development outbox did receive it", async ({ page, browser }) => {
  const support = await createStaff("support", null, "Soledad Soporte");
  const viewer = await createStaff("admin", null, "Vicente Admin");
  const adminPage = await newPage(browser);
  await logIn(adminPage, viewer.email, viewer.password);
  await expect(adminPage).toHaveURL(/\/admin$/);
  const target = await adminWithPhone(adminPage);

  // Support, logged in, asks for a reset of the admin's account.
  await logIn(page, support.email, support.password);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto("/recuperar");
  await waitForHydration(page);
  await page.getByLabel("Correo electrónico").fill(target.email);
  await page.getByRole("button", { name: "Enviar código" }).click();
  await expect(page).toHaveURL(/\/recuperar\/codigo/);

  // The message went out through the development outbox, its code sealed apart.
  await expect(async () => {
    const rows = await sql<{ status: string; transport: string; sealed: boolean }>(
      `select status, transport, secret_enc is not null as sealed from notifications
        where kind = 'password_reset' and user_id = $1`,
      [target.id],
    );
    expect(rows).toEqual([{ status: "sent", transport: "dev_outbox", sealed: true }]);
  }).toPass({ timeout: 10_000 });

  // A platform admin reads the code in the development outbox: the transport really had one.
  await adminPage.goto("/admin/mensajes");
  // The message to this admin's phone (shown masked: "+56 9 •••• 1234").
  const recipient = `•••• ${target.phone.slice(-4)}`;
  const adminMessage = adminPage.getByTestId("message").filter({ hasText: "Código de recuperación" }).filter({ hasText: recipient });
  const text = (await adminMessage.locator(".message__body").innerText()).trim();
  const code = /Tu código es: \*(\d{6})\*/.exec(text)?.[1];
  expect(code, text).toMatch(/^\d{6}$/);
  await adminPage.context().close();

  // Support sees the message, masked, and the code on no page it can open.
  await page.goto("/admin/mensajes");
  await waitForHydration(page);
  const supportMessage = page.getByTestId("message").filter({ hasText: "Código de recuperación" }).filter({ hasText: recipient });
  await expect(supportMessage).toContainText("Tu código es: *••••••*");
  await expectAccessible(page);
  const pages = [
    "/admin/mensajes",
    "/admin/auditoria",
    `/admin/auditoria?entidad=user&actor=${target.id}`,
    "/admin",
    "/admin/personal",
    `/admin/personal?buscar=${encodeURIComponent(target.email)}`,
    "/admin/residentes",
    "/admin/residentes/todos",
    "/admin/reservas",
    "/admin/bloqueos",
    "/admin/analitica",
    "/admin/liquidaciones",
    "/cuenta",
    "/recuperar/codigo",
  ];
  for (const path of pages) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBeLessThan(500);
    await waitForHydration(page);
    const html = await page.content();
    expect(html.includes(code!), `the code is readable by support at ${path}`).toBe(false);
  }
  for (const api of ["messages/list", "admin/audit"]) {
    const r = await page.request.post(`/api/${api}`, {
      headers: { Origin: new URL(page.url()).origin, "Content-Type": "application/x-www-form-urlencoded" },
      data: api === "admin/audit" ? "filter[edificio]=&filter[actor]=&filter[accion]=&filter[entidad]=&filter[desde]=&filter[hasta]=&pagina=1" : "",
    });
    expect(r.status(), api).toBe(200);
    expect((await r.text()).includes(code!), `the code is in ${api}`).toBe(false);
  }

  // The code is the real one: it resets the admin's password.
  const anon = await newPage(browser);
  await anon.goto("/recuperar/codigo");
  await waitForHydration(anon);
  await anon.getByLabel("Correo electrónico").fill(target.email);
  await anon.getByLabel("Código de 6 dígitos").fill(code!);
  await anon.getByLabel("Nueva contraseña").fill(NEW_PASSWORD);
  await anon.getByRole("button", { name: "Guardar contraseña" }).click();
  await expect(anon).toHaveURL(/\/ingresar\?clave=actualizada/);
  await logIn(anon, target.email, NEW_PASSWORD);
  await expect(anon).toHaveURL(/\/admin$/);
  await anon.context().close();
});
