#!/usr/bin/env bash
# Runs every quality gate of the project on a fresh clone, without AWS (package registries only): installs what it needs, then
# compiles, lints, tests and checks templates, integ snapshots, the public API against its baseline,
# the release machinery and the Python, Go and Java bindings. Prints the time each gate took and
# ends with the test runners' counts. Exits non-zero if any gate failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

gate_lines=()
failed_gates=0

# record_gate NAME SECONDS OUTCOME: adds a gate's time and outcome to the summary.
record_gate() {
  [ "$3" = passed ] || failed_gates=$((failed_gates + 1))
  gate_lines+=("$(printf '  %-62s %5ss  %s' "$1" "$2" "$3")")
  [ "$3" = passed ]
}

# run_gate NAME COMMAND...: runs one gate, records its time and outcome.
run_gate() {
  local name=$1 started=$SECONDS outcome=passed
  shift
  printf '\n=== gate: %s\n' "$name"
  "$@" || outcome=FAILED
  record_gate "$name" $((SECONDS - started)) "$outcome"
}

# start_background_gate LANE NAME COMMAND...: starts a gate that runs beside the foreground gates
# after it, its output held back until await_background_gates prints it. The gates of one lane run
# one after another, each once the one started before it in that lane has ended; lanes run side by
# side. Much of the background waits on package registries, so two lanes and the foreground keep
# both cores busy without starving the foreground.
background_names=()
background_logs=()
background_pids=()
declare -A lane_last_pid=()
start_background_gate() {
  local lane=$1 name=$2 log previous
  shift 2
  previous=${lane_last_pid[$lane]:-}
  log=$(mktemp)
  printf '\n=== gate: %s (in the background, beside the next gates)\n' "$name"
  (
    while [ -n "$previous" ] && kill -0 "$previous" 2>/dev/null; do sleep 1; done
    started=$SECONDS
    "$@"
    status=$?
    echo $((SECONDS - started)) >"$log.seconds"
    exit $status
  ) >"$log" 2>&1 &
  background_names+=("$name")
  background_logs+=("$log")
  background_pids+=("$!")
  lane_last_pid[$lane]=$!
}

await_background_gates() {
  local i outcome
  for i in "${!background_pids[@]}"; do
    outcome=passed
    wait "${background_pids[$i]}" || outcome=FAILED
    printf '\n=== gate: %s (its output)\n' "${background_names[$i]}"
    cat "${background_logs[$i]}"
    record_gate "${background_names[$i]}" "$(cat "${background_logs[$i]}.seconds")" "$outcome"
    rm -f "${background_logs[$i]}" "${background_logs[$i]}.seconds"
  done
}

api_md_is_current() {
  npx projen docgen || return 1
  if [ -n "$(git status --porcelain -- API.md)" ]; then
    echo "API.md is out of date: run 'npx projen docgen' and commit it." >&2
    return 1
  fi
}

mkdir -p test-reports
rm -rf test-reports/jest.json test-reports/jest-newest-cdk.json test-reports/pytest-*.xml test-reports/go-test.txt test/java/target

# Nothing else can run without the tools and a compiled library.
run_gate "setup (npm, Node.js, Python venv, Debian tools, actionlint)" bash scripts/setup.sh || exit 1
# Every gate runs on Node.js 24 (the machine's own Node.js only launched this script); the build,
# the Python tests and the newest aws-cdk-lib's gate (the examples among its tests) run on Node.js 22
# too: what users install today, on both supported versions.
node_bin() { echo "$PWD/.gates/node-$1/node_modules/node/bin"; }
PATH="$(node_bin 24):$PATH"
export PATH
echo "Node.js $(node --version) for the gates, $("$(node_bin 22)/node" --version) for the build, the Python tests and the newest aws-cdk-lib's"
# The build on Node.js 22 first: the one on 24 then writes what the later gates use (10 s each).
run_gate "jsii compile, Node.js 22" env PATH="$(node_bin 22):$PATH" npx projen compile || exit 1
run_gate "jsii compile" npx projen compile || exit 1
# Before the background gates: it re-synthesizes projen's files, which their packaging reads.
run_gate "release: projen's files current, actionlint" npx projen gate:release
# The bindings' gates run in the background, one after another, beside the foreground gates that
# follow: much of them waits on PyPI, the Go module proxy and Maven Central, and rosetta, tsc and
# eslint use one core each.
start_background_gate bindings "Python bindings (wheel, fresh venv, pytest on Node.js 24 and 22)" \
  npx projen gate:python "$(node_bin 24)" "$(node_bin 22)"
start_background_gate bindings "Go bindings (test/go)" npx projen gate:go
start_background_gate bindings "Java bindings (test/java)" npx projen gate:java
# A lane of its own: it starts with an npm install, and its template check synthesizes into a folder
# of its aws-cdk-lib version, apart from the foreground's.
start_background_gate newest "newest aws-cdk-lib, Node.js 22: tests, cdk-nag, templates, CDK CLI" env PATH="$(node_bin 22):$PATH" bash scripts/newest-cdk.sh
run_gate "API.md generated from the compiled API" api_md_is_current
run_gate "API compatibility with api-baseline/ (jsii-diff)" npx projen compat
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
run_gate "shellcheck of the project's own scripts" shellcheck scripts/*.sh scripts/lib/*.sh .ci/run integ/fixtures/*.sh
await_background_gates

printf '\nGate times:\n'
printf '%s\n' "${gate_lines[@]}"
printf 'gates: %d passed, %d failed\n' $((${#gate_lines[@]} - failed_gates)) "$failed_gates"
node scripts/test-summary.js
[ "$failed_gates" -eq 0 ]
