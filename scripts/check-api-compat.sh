#!/usr/bin/env bash
# API compatibility gate: compares the compiled public API (.jsii) with the baseline of the last
# release (api-baseline/, refreshed by scripts/update-api-baseline.sh when releasing) using
# jsii-diff, and fails on any breaking change whose jsii-diff key is not listed in
# allowed-breaking-changes.txt (the mark of an intended breaking change; see CONTRIBUTING.md).
#   check-api-compat.sh [BASELINE_DIR [ALLOWED_FILE]]   (defaults: api-baseline, allowed-breaking-changes.txt)
# Expects `npx projen compile` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."

baseline=${1:-api-baseline}
allowed=${2:-allowed-breaking-changes.txt}

# jsii-diff skips the comparison and exits 0 when it cannot load an assembly: check both first.
for assembly in "$baseline/.jsii" .jsii; do
  if [ ! -f "$assembly" ]; then
    echo "api-compat: $assembly is missing (the baseline comes from 'npx projen api-baseline', the build from 'npx projen compile')" >&2
    exit 1
  fi
done

echo "api-compat: comparing the API with $baseline (version $(node -p "require('./$baseline/package.json').version")), allowing the keys in $allowed"
if ! npx jsii-diff --keys --ignore-file "$allowed" "$baseline" .; then
  echo "api-compat: breaking API changes (above). If intended, add each key in [brackets] to $allowed and say BREAKING CHANGE in the commit message; otherwise keep the old API." >&2
  exit 1
fi
echo "api-compat: no unmarked breaking change"
