import { test as guarded, expect, expectAccessible, waitForHydration } from "./fixtures";
import { createBuilding, createConfirmedBooking, createResident, createStaff, sql, type Account, type Building } from "./data";
import { logIn } from "./admin";
import { chromium, type Browser, type Page } from "@playwright/test";
import { writeFileSync } from "node:fs";

/**
 * The concierge scans the guest pass with the phone camera. Chromium's fake camera
 * (`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<y4m>`) plays a video
 * of the real pass's QR code: the spec renders `/pase/{token}`'s QR into a 640×480 frame in the
 * browser, writes it as a Y4M file, and launches a second Chromium whose camera shows it.
 */
type Pass = { building: Building; concierge: Account; code: string; token: string; video: string; decoded: string };

const W = 640;
const H = 480;

/** Renders the pass's QR into a grey-scale frame (luma only) and reads it with jsQR too. */
async function qrFrame(page: Page): Promise<{ luma: string; decoded: string }> {
  await page.addScriptTag({ url: "/vendor/jsqr/jsQR.js" });
  return page.evaluate(
    async ({ w, h }) => {
      let svg = document.querySelector('[data-testid="qr"] svg')!.outerHTML;
      if (!svg.includes("xmlns=")) svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"');
      const img = new Image();
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext("2d")!;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, w, h);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, (w - 400) / 2, (h - 400) / 2, 400, 400);
      const rgba = ctx.getImageData(0, 0, w, h);
      // @ts-expect-error loaded by addScriptTag
      const decoded: string = window.jsQR(rgba.data, w, h)?.data ?? "";
      let luma = "";
      const chunk: number[] = [];
      for (let i = 0; i < w * h; i++) {
        const [r, g, b] = [rgba.data[4 * i], rgba.data[4 * i + 1], rgba.data[4 * i + 2]];
        chunk.push(Math.round(0.299 * r + 0.587 * g + 0.114 * b));
        if (chunk.length === 8192) luma += String.fromCharCode(...chunk.splice(0));
      }
      luma += String.fromCharCode(...chunk);
      return { luma: btoa(luma), decoded };
    },
    { w: W, h: H },
  );
}

const test = guarded.extend<{ pass: Pass; scanner: Browser }>({
  pass: async ({ browser, baseURL }, use, testInfo) => {
    const b = await createBuilding("Torre Escáner");
    const concierge = await createStaff("concierge", b.id);
    const booking = await createConfirmedBooking(b, "KHJT52", 5);
    const [{ guest_pass_token: token }] = await sql<{ guest_pass_token: string }>(
      "select guest_pass_token from bookings where id = $1",
      [booking.id],
    );
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await page.goto(`/pase/${token}`);
    await expect(page.getByTestId("pass-code")).toBeVisible();
    const { luma, decoded } = await qrFrame(page);
    await context.close();
    // Y4M, 4:2:0: the luma plane, then neutral chroma; two identical frames (Chromium loops it).
    const y = Buffer.from(luma, "base64");
    const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
    const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma, chroma]);
    const video = testInfo.outputPath("pass-qr.y4m");
    writeFileSync(video, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
    await use({ building: b, concierge, code: booking.code, token, video, decoded });
  },
  scanner: async ({ pass }, use) => {
    const scanner = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        `--use-file-for-fake-video-capture=${pass.video}`,
      ],
    });
    await use(scanner);
    await scanner.close();
  },
  // The shared CSP guard watches this page: it is the fake-camera browser's.
  page: async ({ scanner, baseURL }, use) => {
    const context = await scanner.newContext({
      baseURL,
      locale: "es-CL",
      timezoneId: "America/Santiago",
      viewport: { width: 390, height: 844 },
      permissions: ["camera"],
    });
    const page = await context.newPage();
    await use(page);
    await context.close();
  },
});

test("the pass's QR holds the gate link, and scanning it with the camera lands on AUTORIZADO", async ({ page, pass, baseURL }) => {
  expect(pass.decoded).toBe(`${baseURL}/conserjeria?pase=${pass.code}`);
  await logIn(page, pass.concierge.email);
  await expect(page).toHaveURL(/\/conserjeria$/);
  await waitForHydration(page);
  const scan = page.getByRole("button", { name: "Escanear pase" });
  await expect(scan).toBeVisible();
  await expectAccessible(page);
  await scan.click();
  const verdict = page.getByTestId("verdict");
  await expect(verdict).toContainText("AUTORIZADO", { timeout: 20_000 });
  await expect(verdict).toContainText("KHJT-52");
  await expect(page).toHaveURL(/\/conserjeria\?v=/);
  // Which decoder read it (BarcodeDetector where the browser has one for QR, else jsQR).
  const decoder = await page.locator("[data-gate-scan]").getAttribute("data-decoder");
  expect(["barcode-detector", "jsqr"]).toContain(decoder);
  test.info().annotations.push({ type: "decoder", description: decoder ?? "" });
  // Recorded like a typed code, with the code (not the link).
  const events = await sql<{ kind: string; query_text: string }>(
    "select e.kind, e.query_text from access_events e join bookings k on k.id = e.booking_id where k.confirmation_code = $1",
    [pass.code],
  );
  expect(events).toEqual([{ kind: "verify_allowed", query_text: pass.code }]);
  await expect(page.locator("video[data-gate-scan-video]")).toBeHidden();
  await expectAccessible(page);
});

test("opening the pass link as a concierge verifies it; as a resident it shows nothing", async ({ page, pass }) => {
  const link = `/conserjeria?pase=${pass.code}`;
  const resident = await createResident(pass.building);
  await logIn(page, resident.email);
  await expect(page).toHaveURL(/\/buscar$/);
  await page.goto(link);
  await expect(page.getByText("No tienes permiso para realizar esta acción.")).toBeVisible();
  await expect(page.getByText("KHJT-52")).toHaveCount(0);
  await expect(page.getByTestId("verdict")).toHaveCount(0);

  await page.context().clearCookies();
  await logIn(page, pass.concierge.email);
  await expect(page).toHaveURL(/\/conserjeria$/);
  await page.goto(link);
  await expect(page).toHaveURL(/\/conserjeria\?v=/);
  await expect(page.getByTestId("verdict")).toContainText("AUTORIZADO");
  await expect(page.getByTestId("verdict")).toContainText("KHJT-52");
});

guarded.describe("without JavaScript", () => {
  guarded.use({ javaScriptEnabled: false });

  guarded("no scan button; the pass link and typing still verify", async ({ page }) => {
    const b = await createBuilding("Torre Escáner");
    const concierge = await createStaff("concierge", b.id);
    const booking = await createConfirmedBooking(b, "KHJT52", 5);
    await logIn(page, concierge.email);
    await expect(page).toHaveURL(/\/conserjeria$/);
    await expect(page.getByRole("button", { name: "Escanear pase" })).toBeHidden();
    await page.goto(`/conserjeria?pase=${booking.code}`);
    await expect(page).toHaveURL(/\/conserjeria\?v=/);
    await expect(page.getByTestId("verdict")).toContainText("AUTORIZADO");
    await page.getByLabel("Patente o código de la reserva").fill(booking.code.toLowerCase());
    await page.getByRole("button", { name: "Verificar", exact: true }).click();
    await expect(page.getByTestId("verdict")).toContainText("AUTORIZADO");
    await expectAccessible(page);
  });
});
