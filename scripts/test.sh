#!/usr/bin/env bash
# The whole test suite: what `npm test` and CI run.
#
# Built for a 2-core runner: checks that use one core each run side by side in two lanes, whose
# output is printed whole, lane after lane (a failed lane's last), once both are done; the first
# failure fails the run. The browser tests reuse the web build made here (BANK_E2E_SKIP_BUILD=1)
# instead of building it again.
# Each step's header gives the seconds since the run began (SECONDS carries into a lane's subshell).
#
# Tried and measured: the static and CDK checks in one lane beside the Vitest run. The Vitest run took
# 75 s longer (722 s against 647 s), what the checks take in their own two-lane phases: the Vitest
# run keeps both cores busy, so the checks run before it (failing fast) and after it.
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
# finish NAME...: waits for each lane, prints its output, and fails if any of them failed. A failed
# lane's output is printed last, so the end of the run's output (all a CI summary may keep) shows it.
finish() {
  local failed=() failed_names=()
  for name in "$@"; do
    local rc=0
    wait "$(cat "$logs/$name.pid")" || rc=$?
    if [ "$rc" -eq 0 ]; then
      cat "$logs/$name.out"
    else
      failed+=("$name (exit $rc)")
      failed_names+=("$name")
    fi
  done
  if [ ${#failed[@]} -gt 0 ]; then
    for name in "${failed_names[@]}"; do
      printf '\n==> output of the failed lane %s\n' "$name"
      cat "$logs/$name.out"
    done
    printf '\nFAILED: %s\n' "${failed[*]}" >&2
    exit 1
  fi
}

step "System prerequisites (Java 17+ for DynamoDB Local, Chromium for the browser tests)"
bash scripts/prereqs.sh java chromium

step "Static checks in two lanes: [Biome; web type check; OpenAPI lint; web build] and [server type check]"
static_a() {
  step "Lint and format (Biome)"
  npx biome check .
  step "Type check (web client)"
  npx tsc --noEmit -p web
  step "OpenAPI document: Redocly and Spectral (OAS + OWASP) lint"
  bash scripts/lint-openapi.sh
  step "Web client build"
  npm run build:web --silent
}
static_b() {
  step "Type check (server, infra, tests)"
  npx tsc --noEmit
}
lane static-a static_a
lane static-b static_b
finish static-a static-b

step "Unit, integration and end-to-end tests (Vitest, on DynamoDB Local and cognito-local)"
npx vitest run

if [ -f web/e2e/vitest.config.ts ]; then
  step "Browser tests (Playwright on Debian's Chromium)"
  BANK_E2E_SKIP_BUILD=1 npx vitest run --config web/e2e/vitest.config.ts
fi

if [ -f cdk.json ]; then
  # Measured alone here: synth 21 s, bundle sizes 10 s, cfn-lint (three synths and the lint) 25 s.
  step "CDK checks in two lanes: [synth with bundling and cdk-nag; bundle sizes] and [cfn-lint]"
  cdk_a() {
    step "CDK synth with bundling and cdk-nag"
    npm run synth --silent
    step "Lambda bundle sizes"
    npm run size --silent
  }
  cdk_b() {
    step "cfn-lint over every stage's template (dev, prod, dev with the API edge)"
    bash scripts/cfn-lint.sh
  }
  lane cdk-a cdk_a
  lane cdk-b cdk_b
  finish cdk-a cdk-b
fi
