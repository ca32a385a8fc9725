#!/usr/bin/env bash
# Python bindings gate: builds the wheel that PyPI users would get, installs it into a venv that
# has nothing else from this repo on it, and runs the pytest suites of test/python and of the Python
# example against it; then synthesizes the Python example and cfn-lints its templates.
# Proves the jsii API survives translation to Python (names, keyword props, error messages).
# Expects `npx projen compile` to have run: packaging reads .jsii and lib/, it does not compile.
#   check-python-bindings.sh [NODE_BIN_DIR...]
# pytest runs once on the Node.js of each folder given (the jsii kernel runs on the `node` first
# on PATH), or once on the Node.js on PATH; reports go to test-reports/pytest-node<major>.xml.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-bindings

if [ ! -f .jsii ]; then
  echo "python-bindings: .jsii is missing; run 'npx projen compile' first" >&2
  exit 1
fi

echo "python-bindings: building the wheel (jsii-pacmak --target python)"
# A wheel left over from an older build would be installed alongside the new one; start clean.
rm -rf dist/python
npx jsii-pacmak -v --target python
wheels=(dist/python/*.whl)
if [ ! -f "${wheels[0]}" ]; then
  echo "python-bindings: jsii-pacmak produced no wheel in dist/python" >&2
  exit 1
fi

echo "python-bindings: installing ${wheels[0]##*/} into a fresh $venv"
# Fresh every run, so a module left behind by an earlier install cannot make the tests pass.
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check --quiet "${wheels[@]}" -r test/python/requirements.txt -r examples/python/requirements.txt

[ $# -gt 0 ] || set -- "$(dirname "$(command -v node)")"
mkdir -p test-reports
for node_bin in "$@"; do
  major=$("$node_bin/node" -p 'process.versions.node.split(".")[0]')
  echo "python-bindings: running pytest test/python examples/python on Node.js $("$node_bin/node" --version)"
  # No cache provider: pytest would otherwise write .pytest_cache into the source tree.
  PATH="$node_bin:$PATH" "$venv/bin/python" -m pytest test/python examples/python -p no:cacheprovider --junitxml="test-reports/pytest-node$major.xml"
done

echo "python-bindings: synthesizing the Python example and linting its templates"
example_out=.gates/synth/examples-python-app
rm -rf "$example_out"
(cd examples/python && CDK_OUTDIR="../../$example_out" "../../$venv/bin/python" app.py)
TS_NODE_PROJECT=tsconfig.dev.json TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/lint-templates.ts "$example_out"
echo "python-bindings: passed"
