import { test as base, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

/**
 * Shared fixture for every spec:
 * - records Content-Security-Policy violations two ways (the `securitypolicyviolation` DOM event,
 *   and Chromium's console report, which also appears when JavaScript is disabled) and fails the
 *   test if any happened on any page it visited;
 * - `expectAccessible(page)` runs axe-core (WCAG 2.x A/AA rules) and fails on any serious or
 *   critical violation.
 */
type Guard = { cspViolations: string[] };

export const test = base.extend<{ guard: Guard }>({
  guard: [
    async ({ page, javaScriptEnabled }, use) => {
      const guard: Guard = { cspViolations: [] };
      page.on("console", (msg) => {
        const text = msg.text();
        if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(text)) {
          guard.cspViolations.push(`console: ${text}`);
        }
      });
      page.on("pageerror", (err) => {
        if (/Content Security Policy/i.test(err.message)) guard.cspViolations.push(`pageerror: ${err.message}`);
      });
      if (javaScriptEnabled) {
        await page.exposeBinding("__reportCspViolation", (_source, detail: string) => {
          guard.cspViolations.push(`event: ${detail}`);
        });
        await page.addInitScript(() => {
          document.addEventListener("securitypolicyviolation", (e) => {
            // @ts-expect-error exposed by the fixture
            window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
          });
        });
      }
      await use(guard);
      expect(guard.cspViolations, "no CSP violation may happen on any page").toEqual([]);
    },
    { auto: true },
  ],
});

/** Fails on any serious or critical axe-core violation of WCAG 2.x A/AA on the current page. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const summary = serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(summary, "no serious or critical accessibility violation").toEqual([]);
}

/** Waits until the WebAssembly has hydrated the page (the marker is set by `hydrate()`). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === "true");
}

export { expect };
