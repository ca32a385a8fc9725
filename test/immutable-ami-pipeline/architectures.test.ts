import { App, Stack, aws_ec2 as ec2, aws_events as events, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stateMachineDefinition } from '../../scripts/lib/local-state-machine';
import { validateDefinition } from '../../scripts/lib/state-machines';
import { ApplicationImageRecipe, BaseImage, ImmutableAmiPipeline, ImmutableAmiPipelineProps } from '../../src';
import { awsSolutionsFindings } from '../helpers/nag';
import { webBuild, webSource } from '../helpers/pipeline-app';
import { PIPELINE_ENV, PROD_ENV, environmentStack } from '../helpers/promotion-app';

const GRAVITON = new ec2.InstanceType('t4g.small');

function recipe(stack: Stack, id: string, baseImage: BaseImage, props: { applicationName?: string } = {}): ApplicationImageRecipe {
  return new ApplicationImageRecipe(stack, id, {
    applicationName: props.applicationName ?? 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, `${id}Seed`, 'web-seed'), key: 'web/seed.tar.gz' },
    startCommand: '/opt/web/bin/server',
    baseImage,
  });
}

/** dev on Graviton in the pipeline's account, prod on x86_64 in another account and region; the recipes a test chooses. */
function pipelineApp(recipes: (stack: Stack) => Pick<ImmutableAmiPipelineProps, 'recipe' | 'recipes'>, props: Partial<ImmutableAmiPipelineProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const pipeline = new ImmutableAmiPipeline(stack, 'Pipeline', {
    source: webSource(),
    applicationBuild: webBuild(),
    ...recipes(stack),
    environments: [
      { name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV, { instanceType: GRAVITON }).deployment },
      { name: 'prod', deployment: environmentStack(app, 'prod', PROD_ENV).deployment },
    ],
    ...props,
  });
  return { app, stack, pipeline };
}

const bothArchitectures = (stack: Stack) => ({
  recipes: [
    recipe(stack, 'Image', BaseImage.amazonLinux2023()),
    recipe(stack, 'ArmImage', BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64)),
  ],
});

/** Each recipe's distribution, as `<account>/<region>` of its copies, by the recipe's architecture. */
function copiesByArchitecture(template: Template): Record<string, string[]> {
  const imageRecipes = template.findResources('AWS::ImageBuilder::ImageRecipe');
  const pipelines = template.findResources('AWS::ImageBuilder::ImagePipeline');
  const result: Record<string, string[]> = {};
  for (const imagePipeline of Object.values<any>(pipelines)) {
    const recipeId = imagePipeline.Properties.ImageRecipeArn['Fn::GetAtt'][0];
    const architecture = JSON.stringify(imageRecipes[recipeId].Properties.ParentImage).includes('arm64') ? 'arm64' : 'x86_64';
    const distributionId = imagePipeline.Properties.DistributionConfigurationArn['Fn::GetAtt'][0];
    const distributions = template.toJSON().Resources[distributionId].Properties.Distributions;
    result[architecture] = distributions.flatMap((distribution: any) =>
      (distribution.AmiDistributionConfiguration.TargetAccountIds ?? [PIPELINE_ENV.account]).map((account: string) => `${account}/${distribution.Region}`)).sort();
  }
  return result;
}

describe('ImmutableAmiPipeline with a recipe per architecture', () => {
  test('given recipes for x86_64 and arm64, then each recipe distributes to the environments of its architecture only', () => {
    const { stack } = pipelineApp(bothArchitectures);

    expect(copiesByArchitecture(Template.fromStack(stack))).toEqual({
      arm64: [`${PIPELINE_ENV.account}/${PIPELINE_ENV.region}`],
      x86_64: [`${PIPELINE_ENV.account}/${PIPELINE_ENV.region}`, `${PROD_ENV.account}/${PROD_ENV.region}`],
    });
  });

  test('given recipes for x86_64 and arm64, then the bake builds them in one Parallel state, and so does the patch check', () => {
    const { stack, pipeline } = pipelineApp(bothArchitectures, { patchRebuildSchedule: events.Schedule.cron({ weekDay: 'SUN', hour: '2', minute: '0' }) });
    const template = Template.fromStack(stack).toJSON();
    const bake = stateMachineDefinition(template, stack.getLogicalId(pipeline.bake.node.findChild('Workflow').node.findChild('StateMachine').node.defaultChild as any));
    const patch = stateMachineDefinition(template, stack.getLogicalId(pipeline.node.findChild('PatchRebuildWorkflow').node.findChild('StateMachine').node.defaultChild as any));

    expect(bake.States.BakeEachArchitecture.Branches.map((branch: any) => branch.StartAt)).toEqual(['x86_64-ResolveParentImage', 'arm64-ResolveParentImage']);
    expect(patch.States.LookUpEachArchitecture.Branches).toHaveLength(2);
    expect([...validateDefinition(bake), ...validateDefinition(patch)]).toEqual([]);
  });

  test('given recipes for x86_64 and arm64, then cdk-nag finds nothing unacknowledged in what the pipeline creates', () => {
    // The test's VPCs are the user's, not the pipeline's.
    const findings = awsSolutionsFindings(pipelineApp(bothArchitectures).app).filter((finding) => !/^Web-\w+\/Vpc\//.test(finding.path));
    expect(findings).toEqual([]);
  });

  test('given only an x86_64 recipe and a Graviton environment, then synthesis fails naming the environment and the missing architecture', () => {
    const { app } = pipelineApp((stack) => ({ recipe: recipe(stack, 'Image', BaseImage.amazonLinux2023()) }));

    expect(() => app.synth()).toThrow(/Environment dev \(deployment Web-dev\/Web\) runs t4g\.small instances, whose architecture is arm64, but no recipe bakes arm64 images/);
  });

  test.each([
    ['two recipes of one architecture', (stack: Stack) => ({ recipes: [recipe(stack, 'Image', BaseImage.amazonLinux2023()), recipe(stack, 'Other', BaseImage.amazonLinux2023())] }),
      'Pipeline/Pipeline/Bake: recipes Pipeline/Image and Pipeline/Other both bake x86_64 images; give one recipe per architecture'],
    ['recipes of two operating systems', (stack: Stack) => ({ recipes: [recipe(stack, 'Image', BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64)), recipe(stack, 'Windows', BaseImage.windowsServer2022())] }),
      'Pipeline/Pipeline/Bake: recipe Pipeline/Image bakes Linux images and Pipeline/Windows Windows images; the recipes of one bake differ in architecture only'],
    ['recipes of two services', (stack: Stack) => ({ recipes: [recipe(stack, 'Image', BaseImage.amazonLinux2023()), recipe(stack, 'Api', BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64), { applicationName: 'api' })] }),
      "Pipeline/Pipeline/Bake: recipe Pipeline/Image installs 'web' and Pipeline/Api 'api'; the recipes of one bake install the same service"],
    ['both recipe and recipes', (stack: Stack) => { const image = recipe(stack, 'Image', BaseImage.amazonLinux2023()); return { recipe: image, recipes: [image] }; },
      'Pipeline/Pipeline/Bake: give recipe (one architecture) or recipes (one per architecture), not both'],
    ['neither recipe nor recipes', () => ({}), 'Pipeline/Pipeline/Bake: give recipe (one architecture) or recipes (one per architecture), not neither'],
    ['an empty list of recipes', () => ({ recipes: [] }), 'Pipeline/Pipeline/Bake: recipes is empty; give one recipe per architecture the environments run'],
  ])('given %s, then construction fails saying what to give', (_case, recipes, message) => {
    expect(() => pipelineApp(recipes)).toThrow(message);
  });
});
