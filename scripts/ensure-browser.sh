#!/usr/bin/env bash
# Debian's Chromium (Playwright may not download its own browser here) and the end2end npm
# packages, installed from package-lock.json.
source "$(dirname "$0")/lib.sh"

if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
command -v npm >/dev/null || apt_install nodejs npm
if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "npm ci (end2end)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
