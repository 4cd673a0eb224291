import { test, expect, expectAccessible, waitForHydration } from "./fixtures";

test.describe("home page", () => {
  test("renders in Spanish, hydrates, reacts to a click and is accessible", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page.locator("html")).toHaveAttribute("lang", "es-CL");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Estacionamiento de visita");
    await expect(page.getByRole("banner")).toBeVisible();
    await expect(page.getByRole("contentinfo")).toBeVisible();
    // The server function read the database.
    await expect(page.getByTestId("today")).toHaveText(/^(lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d{1,2} de [a-z]+ de \d{4}$/);

    await waitForHydration(page);
    const estimate = page.getByTestId("estimate");
    await expect(estimate).toContainText("$5.000");
    await page.getByRole("button", { name: /Día completo/ }).click();
    await expect(estimate).toContainText("23 horas por $8.000");
    await expect(page.getByRole("button", { name: /Día completo/ })).toHaveAttribute("aria-pressed", "true");

    await expectAccessible(page);
  });

  test("the interactive estimate is keyboard operable", async ({ page }) => {
    await page.goto("/");
    await waitForHydration(page);
    await page.getByRole("button", { name: /Noche/ }).focus();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("estimate")).toContainText("Noche");
  });

  test("unknown addresses get the Spanish 404 page", async ({ page }) => {
    const response = await page.goto("/no-existe");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Página no encontrada");
    await expectAccessible(page);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the home page still renders its content", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Estacionamiento de visita");
    await expect(page.getByTestId("estimate")).toContainText("Día · 08:00 a 19:00: 11 horas por $5.000");
    await expect(page.getByTestId("today")).toHaveText(/^(lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d{1,2} de [a-z]+ de \d{4}$/);
  });
});
