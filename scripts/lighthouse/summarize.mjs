// The markdown table of scripts/lighthouse.sh: the median over the runs of each metric of each
// page, from the Lighthouse JSON reports <dir>/<page>-<run>.json.
// Usage: node summarize.mjs DIR RUNS PAGE LABEL [PAGE LABEL]...
import { readFileSync } from "node:fs";

const [dir, runsArg, ...rest] = process.argv.slice(2);
const runs = Number(runsArg);
const pages = [];
for (let i = 0; i < rest.length; i += 2) pages.push({ name: rest[i], label: rest[i + 1] });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (v) => `${Math.round(v).toLocaleString("en-US")} ms`;
const kib = (v) => `${(v / 1024).toFixed(1)} KiB`;

const problems = [];
const rows = [];
const perRun = [];
for (const { name, label } of pages) {
  const reports = [];
  for (let run = 1; run <= runs; run++) {
    const r = JSON.parse(readFileSync(`${dir}/${name}-${run}.json`, "utf8"));
    if (r.runtimeError) problems.push(`${name} run ${run}: ${r.runtimeError.code} ${r.runtimeError.message}`);
    for (const w of r.runWarnings ?? []) problems.push(`${name} run ${run}: ${w}`);
    if (r.configSettings.formFactor !== "mobile" || r.configSettings.throttlingMethod !== "simulate") {
      problems.push(`${name} run ${run}: not the mobile profile (${r.configSettings.formFactor}, ${r.configSettings.throttlingMethod})`);
    }
    // A redirect (to the login page, say) would measure another page.
    if (r.finalDisplayedUrl !== r.requestedUrl) problems.push(`${name} run ${run}: ended on ${r.finalDisplayedUrl}`);
    for (const q of r.audits["network-requests"]?.details?.items ?? []) {
      if (q.statusCode >= 400) problems.push(`${name} run ${run}: ${q.statusCode} on ${q.url}`);
    }
    reports.push(r);
  }
  const audit = (r, id) => r.audits[id]?.numericValue ?? NaN;
  const requests = (r) => r.audits["network-requests"]?.details?.items ?? [];
  const m = (f) => median(reports.map(f));
  const scores = reports.map((r) => Math.round((r.categories.performance.score ?? NaN) * 100));
  rows.push([
    label,
    `**${median(scores)}** (${Math.min(...scores)}–${Math.max(...scores)})`,
    ms(m((r) => audit(r, "largest-contentful-paint"))),
    ms(m((r) => audit(r, "total-blocking-time"))),
    m((r) => audit(r, "cumulative-layout-shift")).toFixed(3),
    ms(m((r) => audit(r, "first-contentful-paint"))),
    ms(m((r) => audit(r, "speed-index"))),
    kib(m((r) => audit(r, "total-byte-weight"))),
    kib(m((r) => requests(r).filter((q) => q.url.endsWith(".wasm")).reduce((a, q) => a + (q.transferSize ?? 0), 0))),
    String(m((r) => requests(r).length)),
    String(Math.round(m((r) => r.environment.benchmarkIndex))),
  ]);
  perRun.push(`${name}: ${reports.map((r, i) => `${scores[i]} (LCP ${ms(audit(r, "largest-contentful-paint"))}, TBT ${ms(audit(r, "total-blocking-time"))})`).join(", ")}`);
}

const header = ["page", "score", "LCP", "TBT", "CLS", "FCP", "Speed Index", "transferred", "of which .wasm", "requests", "benchmark index"];
console.log(`| ${header.join(" | ")} |`);
console.log(`|---|${header.slice(1).map(() => "---:").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log();
console.log("Medians over the runs (score: median, then min–max). Per run, score (LCP, TBT):");
console.log();
for (const line of perRun) console.log(`- ${line}`);
if (problems.length) {
  console.log();
  console.log("**Warnings:**");
  console.log();
  for (const p of problems) console.log(`- ${p}`);
}
