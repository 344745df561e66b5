#!/usr/bin/env bash
# The web client's checks on their own: type check, unit tests, then the Chromium tests, which build
# web/dist and start `npm start` on a free port with a temporary data directory.
# Installs Java 17 and Chromium with apt when they are missing (as root; otherwise says what to install).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/prereqs.sh java chromium
npx tsc --noEmit -p web
BANK_TEST_EMULATORS=off npx vitest run web
npx vitest run --config web/e2e/vitest.config.ts
echo "Screenshots: test-results/web/"
