import { App, Stack, StackProps, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import { ApplicationImageRecipe, ApplicationImageRecipeProps } from '../../src';

/** A stack with one recipe of the `web` application, with the given props over the defaults. */
export function recipeStack(
  props: Partial<ApplicationImageRecipeProps> = {},
  configure?: (stack: Stack) => Partial<ApplicationImageRecipeProps>,
  stackProps: StackProps = {},
) {
  const stack = new Stack(new App(), 'Stack', stackProps);
  const artifacts = s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts');
  const recipe = new ApplicationImageRecipe(stack, 'Image', {
    applicationName: 'web',
    artifact: { bucket: artifacts, key: 'web/web-1.0.0.tar.gz' },
    startCommand: '/opt/web/bin/server',
    ...props,
    ...configure?.(stack),
  });
  // Lazy: synthesizing freezes the tree, and some tests add to it first.
  return { stack, recipe, get template() { return Template.fromStack(stack); } };
}

export function onlyResource(template: Template, type: string): Record<string, any> {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0];
}

/** The resource of the component that installs the application. */
export function applicationComponent(template: Template): Record<string, any> {
  const components = Object.values(template.findResources('AWS::ImageBuilder::Component'));
  const application = components.filter((component) => component.Properties.Description.startsWith('Installs and checks'));
  expect(application).toHaveLength(1);
  return application[0];
}

export function applicationDocument(template: Template): any {
  return parseYaml(applicationComponent(template).Properties.Data);
}

export function stepScript(document: any, phase: string, step: string): string {
  const phaseSteps = document.phases.find((candidate: any) => candidate.name === phase).steps;
  return phaseSteps.find((candidate: any) => candidate.name === step).inputs.commands[0];
}

/** How the template references an AWS-managed component. */
export const managedComponent = (name: string, version = 'x.x.x') => ({
  ComponentArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:', { Ref: 'AWS::Region' }, `:aws:component/${name}/${version}`]] },
});
