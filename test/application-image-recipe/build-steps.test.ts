import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import { flattenIntrinsics } from '../../scripts/lib/intrinsics';
import { shellcheck } from '../../scripts/lib/shellcheck';
import { ImageBuildStep } from '../../src';
import { managedComponent, onlyResource, recipeStack } from '../helpers/recipe-stack';

function stepComponents(template: Template): Record<string, any>[] {
  return Object.values(template.findResources('AWS::ImageBuilder::Component'))
    .filter((component) => component.Properties.Description.startsWith('Build steps'));
}

describe('ApplicationImageRecipe build steps', () => {
  const steps = [
    ImageBuildStep.bash('InstallAgent', ['echo "installing agent"']),
    ImageBuildStep.bash('Harden', ['sysctl -w net.ipv4.tcp_syncookies=1']),
    ImageBuildStep.awsManagedComponent('aws-cli-version-2-linux'),
    ImageBuildStep.bash('Cleanup', ['dnf clean all']),
  ];

  test('given scripts and a managed component, then they run in order after the agent and before the application', () => {
    const { template } = recipeStack({ buildSteps: steps });
    const components = onlyResource(template, 'AWS::ImageBuilder::ImageRecipe').Properties.Components;
    const logicalIdOf = (component: any) => component.ComponentArn['Fn::GetAtt']?.[0];

    expect(components.slice(0, 2)).toEqual([managedComponent('update-linux'), managedComponent('amazon-cloudwatch-agent-linux')]);
    expect(logicalIdOf(components[2])).toMatch(/^ImageBuildSteps1/);
    expect(components[3]).toEqual(managedComponent('aws-cli-version-2-linux'));
    expect(logicalIdOf(components[4])).toMatch(/^ImageBuildSteps2/);
    expect(logicalIdOf(components[5])).toMatch(/^ImageApplicationComponent/);
  });

  test('given consecutive scripts, then they are steps of one build-phase component, each a checked bash script', () => {
    const [first] = stepComponents(recipeStack({ buildSteps: steps }).template);
    const document = parseYaml(first.Properties.Data);

    expect(first.Properties.Platform).toBe('Linux');
    expect(document.phases).toHaveLength(1);
    expect(document.phases[0].name).toBe('build');
    expect(document.phases[0].steps.map((step: any) => [step.name, step.action])).toEqual([['InstallAgent', 'ExecuteBash'], ['Harden', 'ExecuteBash']]);
    document.phases[0].steps.forEach((step: any) => expect(shellcheck(step.inputs.commands[0])).toEqual([]));
  });

  test('given a changed script, then its component and the recipe get new names, and the other step component keeps its name', () => {
    const names = (buildSteps: ImageBuildStep[]) => {
      const { template } = recipeStack({ buildSteps });
      return {
        steps: stepComponents(template).map((component) => component.Properties.Name),
        recipe: onlyResource(template, 'AWS::ImageBuilder::ImageRecipe').Properties.Name,
      };
    };
    const before = names(steps);
    const after = names([...steps.slice(0, 3), ImageBuildStep.bash('Cleanup', ['dnf clean all', 'rm -rf /var/cache/dnf'])]);

    expect(after.steps[0]).toBe(before.steps[0]);
    expect(after.steps[1]).not.toBe(before.steps[1]);
    expect(after.recipe).not.toBe(before.recipe);
  });

  test('given a script over the component document limit, then construction fails saying where long scripts belong', () => {
    const longScript = ImageBuildStep.bash('Long', Array.from({ length: 2000 }, (_, index) => `echo "line ${index}"`));

    expect(() => recipeStack({ buildSteps: [longScript] }))
      .toThrow(/^Build steps 1: the component document is \d+ characters, over Image Builder's limit of 16000; move long scripts into the application artifact$/);
  });
});

describe('ApplicationImageRecipe build steps from script assets', () => {
  const fixtureDir = join(__dirname, '..', 'fixtures', 'build-steps');

  test('given a script asset, then a step downloads that asset and the build role may read its key only', () => {
    const { template } = recipeStack({ buildSteps: [ImageBuildStep.scriptAsset('Harden', join(fixtureDir, 'harden.sh'))] });
    const [component] = stepComponents(template);
    const document = parseYaml(String(flattenIntrinsics(component.Properties.Data)));

    expect(document.phases[0].steps[0].inputs.commands[0]).toMatch(/\naws s3 cp 's3:\/\/cdk-hnb659fds-assets-[\w-]+\/[0-9a-f]{64}\.sh' "\$script"\nbash "\$script"\n/);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, expect.stringMatching(/^\/[0-9a-f]{64}\.sh$/)]] },
    });
  });

  test('given a changed script file, then its component and the recipe get new names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'script-asset-'));
    const names = (content: string) => {
      writeFileSync(join(dir, 'step.sh'), content);
      const { template } = recipeStack({ buildSteps: [ImageBuildStep.scriptAsset('Step', join(dir, 'step.sh'))] });
      return [stepComponents(template)[0].Properties.Name, onlyResource(template, 'AWS::ImageBuilder::ImageRecipe').Properties.Name];
    };

    const before = names('echo one\n');
    const after = names('echo two\n');

    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  });
});
