#!/usr/bin/env bash
# Installs everything the README commands need on a fresh clone: npm packages, the project-local
# Python venv with its pinned tools, and shellcheck. Safe to re-run: each step skips itself when
# its result is already current.
#   --node-only  install npm packages only (enough to synthesize the example app)
set -euo pipefail
cd "$(dirname "$0")/.."

install_npm_packages() {
  # npm ci deletes node_modules; skip it when the installed tree already matches the lock file.
  if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    echo "setup: npm packages are current"
  else
    echo "setup: installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

install_python_tools() {
  if [ ! -x .venv/bin/python ]; then
    echo "setup: creating the Python venv .venv"
    python3 -m venv .venv
  fi
  # The venv remembers which requirements it was built from; a changed pin reinstalls.
  if cmp -s requirements-dev.txt .venv/installed-requirements.txt; then
    echo "setup: Python tools are current"
  else
    echo "setup: installing pinned Python tools (requirements-dev.txt)"
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    cp requirements-dev.txt .venv/installed-requirements.txt
  fi
}

install_shellcheck() {
  if command -v shellcheck >/dev/null 2>&1; then
    echo "setup: shellcheck is installed ($(shellcheck --version | sed -n 's/^version: //p'))"
    return
  fi
  echo "setup: installing shellcheck (Debian package)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq shellcheck >/dev/null
}

install_npm_packages
if [ "${1:-}" != "--node-only" ]; then
  install_python_tools
  install_shellcheck
fi
