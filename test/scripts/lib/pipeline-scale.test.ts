import { MAX_RESOURCES, MAX_TEMPLATE_BYTES, measurePipeline } from '../../../scripts/lib/pipeline-scale';

describe('measurePipeline', () => {
  const [one, five, twenty] = [1, 5, 20].map((environments) => measurePipeline(environments));

  test('given 1, 5 and 20 environments in one account and region, then every template is under CloudFormation\'s 500 resources and 1 MB', () => {
    for (const measure of [one, five, twenty]) {
      expect(measure.largestStack.resources).toBeLessThan(MAX_RESOURCES);
      expect(measure.largestStack.templateBytes).toBeLessThan(MAX_TEMPLATE_BYTES);
    }
  });

  test('given 20 environments in one other account and region, then each has a nested stack in the shared release stack, and every template is under the limits', () => {
    const elsewhere = measurePipeline(20, true);

    expect(elsewhere.nestedStacks).toBe(20);
    expect(elsewhere.largestStack.resources).toBeLessThan(MAX_RESOURCES);
    expect(elsewhere.largestStack.templateBytes).toBeLessThan(MAX_TEMPLATE_BYTES);
  });

  test('given more environments, then the pipeline stack grows by the same resources for each, and each environment adds two stacks and one nested stack', () => {
    const perEnvironment = (five.pipelineStack.resources - one.pipelineStack.resources) / 4;

    expect(Number.isInteger(perEnvironment)).toBe(true);
    expect(measurePipeline(2).pipelineStack.resources - one.pipelineStack.resources).toBe(perEnvironment);
    expect(five.stacks - one.stacks).toBe(2 * 4);
    expect(twenty.nestedStacks).toBe(20);
  });
});
