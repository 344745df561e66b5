#!/usr/bin/env bash
# The whole test suite: what `npm test` and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "System prerequisites (Java 17+ for DynamoDB Local, Chromium for the browser tests)"
bash scripts/prereqs.sh java chromium

step "Lint and format (Biome)"
npx biome check .

step "Type check (server, infra, tests; web client)"
npx tsc --noEmit
npx tsc --noEmit -p web

step "OpenAPI document: Redocly and Spectral (OAS + OWASP) lint"
bash scripts/lint-openapi.sh

step "Web client build"
npm run build:web --silent

step "Unit, integration and end-to-end tests (Vitest, on DynamoDB Local and cognito-local)"
npx vitest run

if [ -f web/e2e/vitest.config.ts ]; then
  step "Browser tests (Playwright on Debian's Chromium)"
  npx vitest run --config web/e2e/vitest.config.ts
fi

if [ -f cdk.json ]; then
  step "CDK synth with bundling and cdk-nag"
  npm run synth --silent
  step "cfn-lint over every stage's template (dev, prod, dev with the API edge)"
  bash scripts/cfn-lint.sh
  step "Lambda bundle sizes"
  npm run size --silent
fi
