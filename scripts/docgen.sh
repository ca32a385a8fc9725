#!/usr/bin/env bash
# Writes API.md from the compiled assembly (.jsii). jsii-docgen documents the package of the folder
# it runs in, taking the assembly of that name from every `.jsii` below the folder, the last found
# winning: the API baseline (api-baseline/.jsii, the same package name and version) is found after
# the build's, so API.md would document the baseline. It runs in a scratch folder instead, which
# holds the build's assembly and reaches the dependencies' assemblies through a link.
# Expects `npx projen compile` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp package.json .jsii "$scratch/"
ln -s "$PWD/node_modules" "$scratch/node_modules"
(cd "$scratch" && npx jsii-docgen -o API.md)
cp "$scratch/API.md" API.md
