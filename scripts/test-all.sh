#!/usr/bin/env bash
# Runs every quality gate of the project on a fresh clone, without AWS (package registries only): installs what it needs, then
# compiles, lints, tests and checks templates, integ snapshots and the Python bindings. Prints the
# time each gate took and ends with the test runners' counts. Exits non-zero if any gate failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

gate_lines=()
failed_gates=0

# run_gate NAME COMMAND...: runs one gate, records its time and outcome.
run_gate() {
  local name=$1 started=$SECONDS outcome=passed
  shift
  printf '\n=== gate: %s\n' "$name"
  if ! "$@"; then
    outcome=FAILED
    failed_gates=$((failed_gates + 1))
  fi
  gate_lines+=("$(printf '  %-50s %5ss  %s' "$name" $((SECONDS - started)) "$outcome")")
  [ "$outcome" = passed ]
}

api_md_is_current() {
  npx projen docgen || return 1
  if [ -n "$(git status --porcelain -- API.md)" ]; then
    echo "API.md is out of date: run 'npx projen docgen' and commit it." >&2
    return 1
  fi
}

mkdir -p test-reports
rm -f test-reports/jest.json test-reports/jest-newest-cdk.json test-reports/pytest.xml

# Nothing else can run without the tools and a compiled library.
run_gate "setup (npm, Python venv, Debian tools)" bash scripts/setup.sh || exit 1
run_gate "jsii compile" npx projen compile || exit 1
run_gate "API.md generated from the compiled API" api_md_is_current
run_gate "README and API examples compile (jsii-rosetta)" npx projen docs:snippets
run_gate "typecheck (tests, integ, examples, scripts)" npx projen typecheck
run_gate "eslint" npx projen eslint
# projen's test task lints again after jest; eslint has its own gate above so a failing test
# cannot hide lint errors.
# Two workers: jest --ci would run one on two cores, and the test files (CDK synthesis, local
# workflow runs, journeys against moto) keep both busy.
run_gate "unit tests (jest --ci)" npx projen test --maxWorkers=2 --json --outputFile=test-reports/jest.json
run_gate "integ snapshots (offline)" npx projen integ
run_gate "templates: cfn-lint, shellcheck, PowerShell, ASL" npx projen gate:templates
run_gate "shellcheck of the project's own scripts" shellcheck scripts/*.sh .ci/run integ/fixtures/*.sh
run_gate "Python bindings (wheel, fresh venv, pytest)" npx projen gate:python
run_gate "newest aws-cdk-lib: unit tests, cdk-nag, templates" bash scripts/newest-cdk.sh

printf '\nGate times:\n'
printf '%s\n' "${gate_lines[@]}"
printf 'gates: %d passed, %d failed\n' $((${#gate_lines[@]} - failed_gates)) "$failed_gates"
node scripts/test-summary.js
[ "$failed_gates" -eq 0 ]
