/**
 * Prints how many image builds the bake runs for 10 commits of which 6 leave the installed files
 * unchanged (the same content hash as the commit before), against a pipeline that bakes every
 * commit, and the pipeline minutes each implies at 25 minutes per build. The build counts are
 * measured by running the synthesized bake workflow locally; the minutes are a MODEL. Then how
 * long one bake for x86_64 and arm64 takes, measured by running it locally with each minute of
 * waiting for a build scaled down to 40 ms, against its two builds' (modelled) durations.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node --project tsconfig.dev.json scripts/bake-benchmark.ts
 */
import { COMMIT_CONTENTS, MODELLED_BUILD_MINUTES, benchmarkArchitectureBake, benchmarkBakes } from './lib/bake-benchmark';

async function main(): Promise<void> {
  const result = await benchmarkBakes(COMMIT_CONTENTS);
  const unchanged = COMMIT_CONTENTS.filter((content, index) => index > 0 && content === COMMIT_CONTENTS[index - 1]).length;
  console.log(`${result.commits} commits, ${unchanged} of them leaving the installed files unchanged`);
  console.log('                         image builds   pipeline minutes in image builds (model: 25 min per build)');
  console.log(`bake every commit        ${String(result.bakeEveryCommitBuilds).padStart(12)}   ${String(result.bakeEveryCommitBuilds * MODELLED_BUILD_MINUTES).padStart(5)}`);
  console.log(`ImmutableAmiPipeline     ${String(result.imageBuilds).padStart(12)}   ${String(result.imageBuilds * MODELLED_BUILD_MINUTES).padStart(5)}`);

  const builds = { x86_64: MODELLED_BUILD_MINUTES, arm64: MODELLED_BUILD_MINUTES + 5 };
  const { bakeMinutes } = await benchmarkArchitectureBake(builds);
  console.log(`\nOne bake for x86_64 and arm64, builds of ${builds.x86_64} and ${builds.arm64} minutes (model): the bake took ${bakeMinutes.toFixed(1)} minutes `
    + `(measured, at 40 ms a minute); the slowest build is ${Math.max(builds.x86_64, builds.arm64)}, the two in sequence ${builds.x86_64 + builds.arm64}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
