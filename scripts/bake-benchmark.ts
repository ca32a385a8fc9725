/**
 * Prints how many image builds the bake runs for 10 commits of which 6 leave the installed files
 * unchanged (the same content hash as the commit before), against a pipeline that bakes every
 * commit, and the pipeline minutes each implies at 25 minutes per build. The build counts are
 * measured by running the synthesized bake workflow locally; the minutes are a MODEL.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node --project tsconfig.dev.json scripts/bake-benchmark.ts
 */
import { COMMIT_CONTENTS, MODELLED_BUILD_MINUTES, benchmarkBakes } from './lib/bake-benchmark';

async function main(): Promise<void> {
  const result = await benchmarkBakes(COMMIT_CONTENTS);
  const unchanged = COMMIT_CONTENTS.filter((content, index) => index > 0 && content === COMMIT_CONTENTS[index - 1]).length;
  console.log(`${result.commits} commits, ${unchanged} of them leaving the installed files unchanged`);
  console.log('                         image builds   pipeline minutes in image builds (model: 25 min per build)');
  console.log(`bake every commit        ${String(result.bakeEveryCommitBuilds).padStart(12)}   ${String(result.bakeEveryCommitBuilds * MODELLED_BUILD_MINUTES).padStart(5)}`);
  console.log(`ImmutableAmiPipeline     ${String(result.imageBuilds).padStart(12)}   ${String(result.imageBuilds * MODELLED_BUILD_MINUTES).padStart(5)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
