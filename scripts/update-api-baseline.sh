#!/usr/bin/env bash
# Makes the compiled API (.jsii) the baseline that scripts/check-api-compat.sh compares with, and
# empties allowed-breaking-changes.txt: the changes it allowed are now in the baseline.
# Run it on the commit of a release, right after the release (CONTRIBUTING.md, "Releasing").
#   update-api-baseline.sh [RELEASE_VERSION]   (recorded in api-baseline/package.json)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f .jsii ]; then
  echo "api-baseline: .jsii is missing; run 'npx projen compile' first" >&2
  exit 1
fi
version=${1:-$(node -p "require('./package.json').version")}

mkdir -p api-baseline
cp .jsii api-baseline/.jsii
# jsii-diff loads a baseline folder as a package: its package.json names the peer dependencies
# (aws-cdk-lib, constructs), which resolve from the project's node_modules.
node -e '
const pkg = require("./package.json");
const baseline = {
  name: pkg.name + "-api-baseline",
  version: process.argv[1],
  description: "The public API that scripts/check-api-compat.sh compares with: that of the last release (0.0.0 before the first). Refresh with npx projen api-baseline.",
  private: true,
  jsii: {},
  peerDependencies: pkg.peerDependencies,
};
require("fs").writeFileSync("api-baseline/package.json", JSON.stringify(baseline, null, 2) + "\n");
' "$version"
sed -n '/^#/p' allowed-breaking-changes.txt > allowed-breaking-changes.txt.new
mv allowed-breaking-changes.txt.new allowed-breaking-changes.txt
echo "api-baseline: api-baseline/ now holds the API of $version; allowed-breaking-changes.txt is empty"
