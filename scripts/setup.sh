#!/usr/bin/env bash
# Installs everything the README commands need on a fresh clone: npm packages, Node.js 24 and 22,
# the project-local Python venv with its pinned tools, the Debian packages shellcheck, curl, systemd
# and jq, and actionlint (built with the machine's Go). Go, a JDK and Maven come with the machine.
# Safe to re-run: each step skips itself when its result is already current.
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

# apt_install PACKAGE...: installs Debian packages, as root or through passwordless sudo.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

install_python_tools() {
  if [ ! -x .venv/bin/pip ]; then
    echo "setup: creating the Python venv .venv"
    rm -rf .venv
    # Debian's own python3 cannot create a venv with pip until python3-venv is installed.
    python3 -m venv .venv || { rm -rf .venv; apt_install python3-venv && python3 -m venv .venv; }
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

# Debian packages the gates run: shellcheck, curl for the health-check script tests, systemd
# for systemd-analyze, which parses the units the images install, and jq, which the bake's manifest
# step runs (as CodeBuild's standard image has it) in the tests and journeys (tool:package pairs).
install_debian_tools() {
  local missing=() pair
  for pair in shellcheck:shellcheck curl:curl systemd-analyze:systemd jq:jq; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: shellcheck, curl, systemd-analyze and jq are installed"
    return
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
}

# The Node.js versions the gates run on (scripts/test-all.sh), whatever Node.js launched them:
# the npm registry's `node` package brings a binary of each, into .gates/node-<major>.
NODE_MAJORS=(24 22)
install_node_binaries() {
  local major
  for major in "${NODE_MAJORS[@]}"; do
    if [ -x ".gates/node-$major/node_modules/node/bin/node" ]; then
      echo "setup: Node.js $major is installed ($(".gates/node-$major/node_modules/node/bin/node" --version))"
    else
      echo "setup: installing Node.js $major into .gates/node-$major"
      mkdir -p ".gates/node-$major"
      npm install --prefix ".gates/node-$major" --no-save --no-audit --no-fund --loglevel=error "node@$major"
    fi
  done
}

# actionlint checks the GitHub workflows (scripts/check-release.sh); the Go module proxy serves its
# source, which the machine's Go builds into .gates/bin.
ACTIONLINT_VERSION=v1.7.12
install_actionlint() {
  if .gates/bin/actionlint -version 2>/dev/null | grep -qx "$ACTIONLINT_VERSION"; then
    echo "setup: actionlint $ACTIONLINT_VERSION is installed"
    return
  fi
  echo "setup: building actionlint $ACTIONLINT_VERSION into .gates/bin"
  # shellcheck source=scripts/lib/go-env.sh
  (. scripts/lib/go-env.sh && GOBIN="$PWD/.gates/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION")
}

install_npm_packages
if [ "${1:-}" != "--node-only" ]; then
  install_node_binaries
  install_python_tools
  install_debian_tools
  install_actionlint
fi
