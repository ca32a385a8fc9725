#!/usr/bin/env bash
# Synthesizes the example app into ./cdk.out on a fresh clone, without an AWS account, and prints
# its stacks and resources. Installs the npm packages it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --node-only
npx projen synth:example
