#!/usr/bin/env bash
# Lints the OpenAPI document the route table generates: Redocly (recommended rules) and Spectral
# (spectral:oas + the OWASP API Security ruleset, .spectral.yaml). Fails on any error.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx tsx scripts/write-openapi.ts "$out/openapi.json"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint --config redocly.yaml "$out/openapi.json"
npx spectral lint --ruleset .spectral.yaml --fail-severity error "$out/openapi.json"
