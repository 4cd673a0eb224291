import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The cluster journey (scripts/cluster-test.sh): HTTPS through HAProxy to two production-mode
// instances. Chromium accepts exactly the cluster's certificate, by its public key (CLUSTER_SPKI),
// rather than ignoring every certificate error.
const spki = process.env.CLUSTER_SPKI ?? "";
export default defineConfig({
  ...base,
  testDir: "./cluster",
  timeout: 120_000,
  use: {
    ...base.use,
    baseURL: process.env.BASE_URL,
    launchOptions: {
      ...base.use?.launchOptions,
      args: [...(base.use?.launchOptions?.args ?? []), `--ignore-certificate-errors-spki-list=${spki}`],
    },
  },
});
