#!/usr/bin/env bash
# Runs the unit tests (cdk-nag and the examples among them) and the template gate (cfn-lint,
# generated scripts, state machines and their AWS calls) against the newest aws-cdk-lib,
# constructs, cdk-nag and @aws-cdk/integ-tests-alpha (which the integ apps use) the npm registry
# serves, then synthesizes the TypeScript example with the newest CDK CLI, as users who install
# both today do. They are installed into .gates/newest-cdk, so the project stays built and tested
# against its peer floor. Prints the versions.
# Run once, on the floor only: the tests of the project's own scripts and npm package, which do
# not depend on aws-cdk-lib; those of the teardown command but the ones that read what aws-cdk-lib
# synthesizes (the assembly, the footprint, Image Builder's names; the examples' are read with
# them), as the rest call moto or fakes; and the journeys, whose minutes go to simulating months of
# workflow runs over templates that the unit tests here already synthesize.
set -euo pipefail
cd "$(dirname "$0")/.."

folder=.gates/newest-cdk
mkdir -p "$folder"
[ -f "$folder/package.json" ] || echo '{ "private": true, "description": "The newest aws-cdk-lib, for scripts/newest-cdk.sh" }' > "$folder/package.json"
npm install --prefix "$folder" --no-audit --no-fund --loglevel=error \
  aws-cdk-lib@latest constructs@latest cdk-nag@latest @aws-cdk/integ-tests-alpha@latest aws-cdk@latest

export NEWEST_CDK_MODULES="$PWD/$folder/node_modules"
version_of() { node -p "require('$1/package.json').version"; }
printf 'aws-cdk-lib: floor %s, newest %s; constructs %s; cdk-nag %s; integ-tests-alpha %s; CDK CLI %s; on Node.js %s\n' \
  "$(version_of aws-cdk-lib)" "$(version_of "$NEWEST_CDK_MODULES/aws-cdk-lib")" \
  "$(version_of "$NEWEST_CDK_MODULES/constructs")" "$(version_of "$NEWEST_CDK_MODULES/cdk-nag")" \
  "$(version_of "$NEWEST_CDK_MODULES/@aws-cdk/integ-tests-alpha")" "$(version_of "$NEWEST_CDK_MODULES/aws-cdk")" "$(node --version)"

npx jest --config scripts/newest-cdk.jest.config.js --ci --maxWorkers=2 --json --outputFile=test-reports/jest-newest-cdk.json \
  --testPathIgnorePatterns '/test/scripts/' '/test/gates/' '/test/journeys/' '/test/cli/main\.test\.ts$' \
  '/test/cli/teardown/(?!cloud-assembly|footprint|image-builder)[^/]+\.test\.ts$'
NODE_OPTIONS="--require $PWD/scripts/lib/module-resolution.js" TS_NODE_PROJECT=tsconfig.dev.json TS_NODE_TRANSPILE_ONLY=true \
  npx ts-node scripts/check-templates.ts

# The example's cdk.json preloads scripts/lib/module-resolution.js, which reads NEWEST_CDK_MODULES.
# The CLI refuses a cloud assembly newer than it reads; tree.json names the aws-cdk-lib that wrote it.
out="$PWD/.gates/synth/newest-cli"
rm -rf "$out"
(cd examples/typescript && CDK_DISABLE_CLI_TELEMETRY=true "$NEWEST_CDK_MODULES/.bin/cdk" synth --quiet --output "$out")
echo "newest CDK CLI: synthesized the TypeScript example with aws-cdk-lib $(node -p "require('$out/tree.json').tree.constructInfo.version")"
