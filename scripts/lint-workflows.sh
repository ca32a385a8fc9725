#!/usr/bin/env bash
# Runs actionlint (installed into .gates/bin by scripts/setup.sh) over GitHub workflow files; it
# checks the scripts of their `run:` steps with shellcheck.
#   lint-workflows.sh [WORKFLOW_FILE...]   (default: .github/workflows/*.yml)
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || set -- .github/workflows/*.yml
# actionlint skips the scripts of `run:` steps silently when shellcheck is not on PATH.
if ! command -v shellcheck >/dev/null || [ ! -x .gates/bin/actionlint ]; then
  echo "lint-workflows: shellcheck or .gates/bin/actionlint is missing; run 'bash scripts/setup.sh'" >&2
  exit 1
fi
# The workflows are projen's: their scripts have shellcheck notes of info and style severity
# (unquoted $GITHUB_OUTPUT) that only projen can change; warnings and errors still fail.
SHELLCHECK_OPTS=--severity=warning .gates/bin/actionlint "$@"
echo "lint-workflows: actionlint passes $*"
