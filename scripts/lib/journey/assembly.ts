/**
 * The stacks of a synthesized cloud assembly as CloudFormation would deploy them: each with its
 * account, region and template, nested stacks as stacks of their own (in their parent's account
 * and region), and the physical ids a deployment gives their resources.
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { StackContext, Template, resolve } from './template-resolution';

export interface AssemblyStack {
  /** The name CloudFormation knows the stack by: a nested stack's is `<parent>-<logical id>`. */
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: Template;
  /** The parent of a nested stack, and the nested stack's logical id in it. */
  readonly parent?: { readonly stackName: string; readonly logicalId: string };
}

/** Every stack of the assembly in `directory`, nested ones after their parents. */
export function assemblyStacks(directory: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8'));
  const stacks: AssemblyStack[] = [];
  for (const artifact of Object.values<any>(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment)!;
    const stack: AssemblyStack = {
      stackName: artifact.properties.stackName ?? artifact.displayName ?? artifact.properties.templateFile.replace(/\.template\.json$/, ''),
      account,
      region,
      template: JSON.parse(readFileSync(join(directory, artifact.properties.templateFile), 'utf8')),
    };
    stacks.push(stack, ...nestedStacks(directory, stack));
  }
  return stacks;
}

function nestedStacks(directory: string, parent: AssemblyStack): AssemblyStack[] {
  const assetFile = join(directory, `${parent.stackName}.assets.json`);
  let assets: Record<string, any> = {};
  try {
    assets = JSON.parse(readFileSync(assetFile, 'utf8')).files ?? {};
  } catch {
    // a stack without assets has no nested stacks either
  }
  return Object.entries(parent.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudFormation::Stack')
    .flatMap(([logicalId, resource]) => {
      const url = JSON.stringify(resource.Properties?.TemplateURL);
      const hash = Object.keys(assets).find((key) => url.includes(`${key}.json`));
      if (!hash) throw new Error(`Nested stack ${logicalId} of ${parent.stackName}: its template is not among the stack's assets`);
      const nested: AssemblyStack = {
        stackName: `${parent.stackName}-${logicalId}`,
        account: parent.account,
        region: parent.region,
        template: JSON.parse(readFileSync(join(directory, assets[hash].source.path), 'utf8')),
        parent: { stackName: parent.stackName, logicalId },
      };
      return [nested, ...nestedStacks(directory, nested)];
    });
}

/** A short, stable suffix, as CloudFormation's generated names have a random one. */
function suffix(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 12).toUpperCase();
}

/** The name CloudFormation generates for a resource without one: `<stack>-<logical id>-<suffix>`, cut to `max`. */
export function generatedName(stackName: string, logicalId: string, max = 64): string {
  const tail = `-${suffix(stackName, logicalId)}`;
  return `${stackName}-${logicalId}`.slice(0, max - tail.length) + tail;
}

/**
 * Hooks for the attributes only the running simulation knows: a launch template's version
 * numbers, a nested stack's outputs.
 */
export interface PhysicalIdHooks {
  readonly launchTemplateVersion?: (stack: AssemblyStack, logicalId: string, attribute: string) => string;
  readonly nestedOutput?: (stack: AssemblyStack, logicalId: string, output: string) => unknown;
}

/** The `Ref` of a resource, or one of its attributes, as a deployment of `stack` would give it. */
export function physicalId(stack: AssemblyStack, context: StackContext, logicalId: string, attribute: string | undefined,
  hooks: PhysicalIdHooks = {}): unknown {
  const resource = stack.template.Resources[logicalId];
  if (!resource) throw new Error(`No resource ${logicalId} in stack ${stack.stackName}`);
  const properties = resource.Properties ?? {};
  const { account, region } = stack;
  const named = (property: string, max = 64) => (properties[property] !== undefined
    ? String(resolve(properties[property], context))
    : generatedName(stack.stackName, logicalId, max));
  const unknown = () => {
    throw new Error(`Attribute ${attribute} of ${resource.Type} ${logicalId} (stack ${stack.stackName}) is not simulated`);
  };
  switch (resource.Type) {
    case 'AWS::IAM::Role': {
      const name = named('RoleName');
      const arn = `arn:aws:iam::${account}:role${properties.Path ?? '/'}${name}`;
      return attribute === undefined ? name : attribute === 'Arn' ? arn : attribute === 'RoleId' ? `AROA${suffix(arn)}` : unknown();
    }
    case 'AWS::StepFunctions::StateMachine': {
      const name = named('StateMachineName', 80);
      const arn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;
      return attribute === undefined || attribute === 'Arn' ? arn : attribute === 'Name' ? name : unknown();
    }
    case 'AWS::Logs::LogGroup': {
      const name = named('LogGroupName', 512);
      return attribute === undefined ? name : attribute === 'Arn' ? `arn:aws:logs:${region}:${account}:log-group:${name}:*` : unknown();
    }
    case 'AWS::SNS::Topic': {
      const name = named('TopicName', 256);
      const arn = `arn:aws:sns:${region}:${account}:${name}`;
      return attribute === undefined || attribute === 'TopicArn' ? arn : attribute === 'TopicName' ? name : unknown();
    }
    case 'AWS::S3::Bucket': {
      const name = named('BucketName', 63).toLowerCase();
      const arns: Record<string, string> = { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${region}.amazonaws.com` };
      return attribute === undefined ? name : arns[attribute] ?? unknown();
    }
    case 'AWS::KMS::Key': {
      const id = `${suffix(stack.stackName, logicalId).toLowerCase()}-0000-4000-8000-000000000000`;
      return attribute === undefined || attribute === 'KeyId' ? id : attribute === 'Arn' ? `arn:aws:kms:${region}:${account}:key/${id}` : unknown();
    }
    case 'AWS::CodePipeline::Pipeline':
      return attribute === undefined ? named('Name', 100) : attribute === 'Version' ? '1' : unknown();
    case 'AWS::CodeBuild::Project': {
      const name = named('Name', 150);
      return attribute === undefined ? name : attribute === 'Arn' ? `arn:aws:codebuild:${region}:${account}:project/${name}` : unknown();
    }
    case 'AWS::AutoScaling::AutoScalingGroup':
      return attribute === undefined ? named('AutoScalingGroupName', 255) : unknown();
    case 'AWS::AutoScaling::LifecycleHook':
      return attribute === undefined ? named('LifecycleHookName', 255) : unknown();
    case 'AWS::CloudWatch::Alarm': {
      const name = named('AlarmName', 255);
      return attribute === undefined ? name : attribute === 'Arn' ? `arn:aws:cloudwatch:${region}:${account}:alarm:${name}` : unknown();
    }
    case 'AWS::SSM::Parameter':
      return attribute === undefined || attribute === 'Name' ? named('Name', 1011) : attribute === 'Type' ? properties.Type : attribute === 'Value' ? resolve(properties.Value, context) : unknown();
    case 'AWS::EC2::LaunchTemplate':
      if (attribute === undefined || attribute === 'LaunchTemplateId') return `lt-${suffix(stack.stackName, logicalId).toLowerCase()}`;
      if (!hooks.launchTemplateVersion) return '1';
      return hooks.launchTemplateVersion(stack, logicalId, attribute);
    case 'AWS::CloudFormation::Stack':
      if (attribute === undefined) return `arn:aws:cloudformation:${region}:${account}:stack/${stack.stackName}-${logicalId}/${suffix(logicalId).toLowerCase()}`;
      if (attribute.startsWith('Outputs.') && hooks.nestedOutput) return hooks.nestedOutput(stack, logicalId, attribute.slice('Outputs.'.length));
      return unknown();
    default:
      if (resource.Type.startsWith('AWS::ImageBuilder::')) return imageBuilderPhysicalId(stack, context, logicalId, attribute);
      return attribute === undefined ? `${logicalId}-${suffix(stack.stackName, logicalId).toLowerCase()}` : `${logicalId}.${attribute}`;
  }
}

const IMAGE_BUILDER_RESOURCES: Record<string, string> = {
  'AWS::ImageBuilder::Component': 'component',
  'AWS::ImageBuilder::ImageRecipe': 'image-recipe',
  'AWS::ImageBuilder::InfrastructureConfiguration': 'infrastructure-configuration',
  'AWS::ImageBuilder::DistributionConfiguration': 'distribution-configuration',
  'AWS::ImageBuilder::ImagePipeline': 'image-pipeline',
  'AWS::ImageBuilder::LifecyclePolicy': 'lifecycle-policy',
  'AWS::ImageBuilder::Workflow': 'workflow',
};

/** Image Builder's `Ref` is the ARN; versioned resources carry their version, components a build number too. */
function imageBuilderPhysicalId(stack: AssemblyStack, context: StackContext, logicalId: string, attribute: string | undefined): unknown {
  const resource = stack.template.Resources[logicalId];
  const kind = IMAGE_BUILDER_RESOURCES[resource.Type];
  if (!kind) throw new Error(`${resource.Type} is not simulated`);
  const properties = resource.Properties ?? {};
  const name = String(resolve(properties.Name, context) ?? generatedName(stack.stackName, logicalId)).toLowerCase();
  const version = properties.Version ?? properties.SemanticVersion;
  const path = version === undefined ? name : `${name}/${resolve(version, context)}${kind === 'component' ? '/1' : ''}`;
  const arn = `arn:aws:imagebuilder:${stack.region}:${stack.account}:${kind}/${path}`;
  if (attribute === undefined || attribute === 'Arn') return arn;
  if (attribute === 'Name') return resolve(properties.Name, context);
  throw new Error(`Attribute ${attribute} of ${resource.Type} ${logicalId} is not simulated`);
}
