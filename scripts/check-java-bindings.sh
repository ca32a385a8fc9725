#!/usr/bin/env bash
# Java bindings gate: builds the Maven artifact users would get (jsii-pacmak --target java, which
# compiles, packages and deploys it into dist/java, a Maven repository layout), then runs
# test/java, JUnit tests that build the README's quick start through it and check its templates.
# Every Maven download lives in .gates/m2: nothing outside the repository (no ~/.m2).
# Expects `npx projen compile` to have run. Surefire writes test/java/target/surefire-reports.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f .jsii ]; then
  echo "java-bindings: .jsii is missing; run 'npx projen compile' first" >&2
  exit 1
fi
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  echo "java-bindings: mvn or javac is missing; install a JDK 17 or newer and Maven 3.8 or newer" >&2
  exit 1
fi

repository="$PWD/.gates/m2"
echo "java-bindings: building the jar (jsii-pacmak --target java)"
# A jar left over from an older build would satisfy test/java's dependency; start clean.
rm -rf dist/java
npx jsii-pacmak --target java --maven-local-repository="$repository"

echo "java-bindings: mvn test in test/java on $(javac -version 2>&1) and Node.js $(node --version)"
# The test project's own build output is fresh each run, so no class compiled earlier is used.
rm -rf test/java/target
mvn --batch-mode --no-transfer-progress -Dmaven.repo.local="$repository" -f test/java/pom.xml test
