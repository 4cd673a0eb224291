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
      if (!javaScriptEnabled) withoutJavaScript.add(page);
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

/** Pages of tests that run with JavaScript disabled (axe cannot run inside them). */
const withoutJavaScript = new WeakSet<Page>();

/** Marks a page a spec opened itself in a context with JavaScript disabled. */
export function markWithoutJavaScript(page: Page): void {
  withoutJavaScript.add(page);
}

/**
 * Fails on any serious or critical axe-core violation of WCAG 2.x A/AA on the current page.
 * Without JavaScript axe cannot run in the page itself, so the page's HTML as that browser got it
 * is loaded, with its stylesheets (contrast needs them) but without our scripts, in a scratch
 * JavaScript-enabled page, and checked there: what is checked is what the no-JS visitor sees.
 */
export async function expectAccessible(page: Page): Promise<void> {
  if (!withoutJavaScript.has(page)) return analyze(page);
  // A scratch context and a full axe run take a few seconds more than a check in place.
  test.info().setTimeout(test.info().timeout + 10_000);
  const html = await page.content();
  const url = page.url();
  const context = await page.context().browser()!.newContext({ javaScriptEnabled: true, baseURL: url });
  try {
    const copy = await context.newPage();
    await copy.route(/\/pkg\/.*\.(js|wasm)$|\.js(\?.*)?$/, (route) => route.abort());
    const sameDocument = (u: URL) => u.href.split("#")[0] === url.split("#")[0];
    await copy.route(sameDocument, (route) => route.fulfill({ body: html, contentType: "text/html; charset=utf-8" }));
    await copy.goto(url);
    await analyze(copy);
  } finally {
    await context.close();
  }
}

async function analyze(page: Page): Promise<void> {
  const run = () =>
    new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
  // A page that navigates while axe runs (the checkout hand-off's meta refresh firing after the
  // router already showed the next page) is checked again once the new document has loaded.
  const results = await run().catch(async (err: Error) => {
    if (!/Execution context was destroyed/.test(err.message)) throw err;
    await page.waitForLoadState("load");
    return run();
  });
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const summary = serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(summary, "no serious or critical accessibility violation").toEqual([]);
}

/** Waits until the WebAssembly has hydrated the page (the marker is set by `hydrate()`). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === "true");
}

export { expect };
