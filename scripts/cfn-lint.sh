#!/usr/bin/env bash
# cfn-lint (the Python tool) over the synthesized template of every stage: dev, prod, and dev with
# the optional API edge. Synth here skips Lambda bundling (the template is what is linted); cdk-nag
# and cfn-guard run inside each synth. Fails on any cfn-lint error; warnings are printed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "SKIPPED: cfn-lint is not installed (pip install cfn-lint); the stage templates were not linted."
  exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx tsx scripts/synth-stages.ts "$out"

templates=("$out"/*/*.template.json)
echo "cfn-lint $(cfn-lint --version | awk '{print $2}') over ${#templates[@]} templates"
cfn-lint --non-zero-exit-code error -- "${templates[@]}"
echo "cfn-lint: no errors"
