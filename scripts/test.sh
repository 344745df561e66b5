#!/usr/bin/env bash
# The whole test suite: what `npm test` and CI run.
#
# Built for a 2-core runner: the checks that need no emulator run in a lane beside the Vitest run,
# their output printed whole once it is done; any failure fails the run. The browser tests reuse the
# web build made here (BANK_E2E_SKIP_BUILD=1) instead of building it again. Each step's header gives
# the seconds since the run began (SECONDS carries into the lane's subshell).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s (at %d s)\n' "$*" "$SECONDS"; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# lane NAME CMD...: runs CMD in the background, its output into $logs/NAME.
lane() {
  local name=$1
  shift
  ("$@") >"$logs/$name.out" 2>&1 &
  echo $! >"$logs/$name.pid"
}
# finish NAME...: waits for each lane, prints its output, and fails if any of them failed.
finish() {
  local failed=()
  for name in "$@"; do
    local rc=0
    wait "$(cat "$logs/$name.pid")" || rc=$?
    cat "$logs/$name.out"
    [ "$rc" -eq 0 ] || failed+=("$name (exit $rc)")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    printf '\nFAILED: %s\n' "${failed[*]}" >&2
    exit 1
  fi
}

step "System prerequisites (Java 17+ for DynamoDB Local, Chromium for the browser tests)"
bash scripts/prereqs.sh java chromium

step "Web client build (the stacks the tests start serve it)"
npm run build:web --silent

# The checks that need no emulator run in one lane beside the Vitest run, one after another: the
# Vitest run leaves about a quarter of a 2-core runner idle (its files wait on the emulators), and one
# lane of single-threaded checks fills much of that. Their output is printed whole once the Vitest
# run is done.
checks() {
  step "Lint and format (Biome)"
  npx biome check .
  step "Type check (web client)"
  npx tsc --noEmit -p web
  step "Type check (server, infra, tests)"
  npx tsc --noEmit
  step "OpenAPI document: Redocly and Spectral (OAS + OWASP) lint"
  bash scripts/lint-openapi.sh
  if [ -f cdk.json ]; then
    step "CDK synth with bundling and cdk-nag"
    npm run synth --silent
    step "cfn-lint over every stage's template (dev, prod, dev with the API edge)"
    bash scripts/cfn-lint.sh
    step "Lambda bundle sizes"
    npm run size --silent
  fi
}
step "In two lanes: [Vitest] and [Biome; type checks; OpenAPI lint; CDK synth, cdk-nag, cfn-lint, bundle sizes]"
lane checks checks

step "Unit, integration and end-to-end tests (Vitest, on DynamoDB Local and cognito-local)"
unit=0
npx vitest run || unit=$?
finish checks
if [ "$unit" -ne 0 ]; then
  printf '\nFAILED: vitest (exit %s)\n' "$unit" >&2
  exit 1
fi

if [ -f web/e2e/vitest.config.ts ]; then
  step "Browser tests (Playwright on Debian's Chromium)"
  BANK_E2E_SKIP_BUILD=1 npx vitest run --config web/e2e/vitest.config.ts
fi
