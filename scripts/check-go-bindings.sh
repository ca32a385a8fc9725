#!/usr/bin/env bash
# Go bindings gate: generates the Go module users would get (jsii-pacmak --target go) into
# dist/go, then runs test/go, a Go program that builds the README's quick start through it
# (go.mod replaces the module with dist/go) and checks its templates with `go test`.
# --code-only: pacmak's own check (`go mod tidy` on the module, which requires the floor's
# aws-cdk-go v2.263.0) needs cloud-assembly-schema-go v54.26.0, which the Go module proxy here
# does not serve; test/go requires aws-cdk-go v2.277.0 instead and compiles the generated code.
# Expects `npx projen compile` to have run. Writes test-reports/go-test.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f .jsii ]; then
  echo "go-bindings: .jsii is missing; run 'npx projen compile' first" >&2
  exit 1
fi
if ! command -v go >/dev/null; then
  echo "go-bindings: the go command is missing; install Go 1.26 or newer" >&2
  exit 1
fi

echo "go-bindings: generating the Go module (jsii-pacmak --target go --code-only)"
rm -rf dist/go
npx jsii-pacmak --target go --code-only

# shellcheck source=scripts/lib/go-env.sh
. scripts/lib/go-env.sh

unformatted=$(gofmt -l test/go)
if [ -n "$unformatted" ]; then
  echo "go-bindings: not gofmt-formatted: $unformatted" >&2
  exit 1
fi

echo "go-bindings: go test in test/go on $(go version | cut -d' ' -f3) and Node.js $(node --version)"
mkdir -p test-reports
(cd test/go && go test -count=1 -v ./...) 2>&1 | tee test-reports/go-test.txt
