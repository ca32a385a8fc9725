/**
 * Prints, for ImmutableAmiPipelines of 1, 5 and 20 environments, the synthesis time, the pipeline
 * stack's resources and template size, and the largest template (stacks and nested stacks),
 * against CloudFormation's limits of 500 resources and 1 MB per template: once with the
 * environments in the pipeline's account and region, once all in one other account and region
 * (whose workflows share one release stack). Measured, not modelled.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node --project tsconfig.dev.json scripts/pipeline-scale.ts
 */
import { MAX_RESOURCES, MAX_TEMPLATE_BYTES, measurePipeline } from './lib/pipeline-scale';

console.log('environments  placement              synth (s)  stacks  nested  pipeline stack: resources  template (KB)  largest template: resources  template (KB)');
for (const [environments, elsewhere] of [1, 5, 20].flatMap((count) => [[count, false], [count, true]] as const)) {
  const measure = measurePipeline(environments, elsewhere);
  const kb = (bytes: number) => (bytes / 1024).toFixed(0).padStart(12);
  const placement = (elsewhere ? 'other account, region' : 'pipeline\'s').padEnd(21);
  console.log(`${String(environments).padStart(12)}  ${placement}  ${(measure.synthMilliseconds / 1000).toFixed(1).padStart(9)}  ${String(measure.stacks).padStart(6)}  `
    + `${String(measure.nestedStacks).padStart(6)}  `
    + `${String(measure.pipelineStack.resources).padStart(25)}  ${kb(measure.pipelineStack.templateBytes)}  `
    + `${String(measure.largestStack.resources).padStart(27)}  ${kb(measure.largestStack.templateBytes)}`);
}
console.log(`CloudFormation's limits per template: ${MAX_RESOURCES} resources, ${MAX_TEMPLATE_BYTES / 1024} KB`);
