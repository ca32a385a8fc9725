import { parse as parseYaml } from 'yaml';
import { flattenIntrinsics } from './intrinsics';

/** A script (bash, sh or PowerShell) that a synthesized template would run on an instance. */
export interface GeneratedScript {
  /** Where the script sits, e.g. `Resources/HealthCheck/Properties/Data: test/HttpHealthCheck`. */
  readonly location: string;
  readonly script: string;
}

type Resource = { Type: string; Properties?: Record<string, any> };

/** Properties that hold instance user data, per resource type. */
const USER_DATA_PATHS: Record<string, string[][]> = {
  'AWS::EC2::LaunchTemplate': [['LaunchTemplateData', 'UserData']],
  'AWS::EC2::Instance': [['UserData']],
  'AWS::AutoScaling::LaunchConfiguration': [['UserData']],
  'AWS::ImageBuilder::ImageRecipe': [['AdditionalInstanceConfiguration', 'UserDataOverride']],
};

/**
 * Every shell script in a template: `ExecuteBash` steps of Image Builder components and user data
 * of instances, launch templates and image recipes that starts with a bash or sh shebang.
 * PowerShell and cloud-init YAML are not shell scripts and are left out.
 */
export function shellScriptsInTemplate(template: { Resources?: Record<string, Resource> }): GeneratedScript[] {
  return Object.entries(template.Resources ?? {}).flatMap(([logicalId, resource]) => [
    ...componentScripts(logicalId, resource, 'ExecuteBash').map(({ location, script }) => ({ location, script: withBashShebang(script) })),
    ...userDataScripts(logicalId, resource),
  ]);
}

/** Every `ExecutePowerShell` step of the Image Builder components in a template. */
export function powerShellScriptsInTemplate(template: { Resources?: Record<string, Resource> }): GeneratedScript[] {
  return Object.entries(template.Resources ?? {}).flatMap(([logicalId, resource]) => componentScripts(logicalId, resource, 'ExecutePowerShell'));
}

function componentScripts(logicalId: string, resource: Resource, action: string): GeneratedScript[] {
  if (resource.Type !== 'AWS::ImageBuilder::Component' || resource.Properties?.Data === undefined) {
    return [];
  }
  const document = parseYaml(String(flattenIntrinsics(resource.Properties.Data)));
  return (document.phases ?? []).flatMap((phase: any) => (phase.steps ?? [])
    .filter((step: any) => step.action === action)
    .map((step: any) => ({
      location: `Resources/${logicalId}/Properties/Data: ${phase.name}/${step.name}`,
      script: step.inputs.commands.join('\n'),
    })));
}

function userDataScripts(logicalId: string, resource: Resource): GeneratedScript[] {
  return (USER_DATA_PATHS[resource.Type] ?? []).flatMap((propertyPath) => {
    const value = propertyPath.reduce((inner: any, key) => inner?.[key], resource.Properties);
    if (value === undefined) {
      return [];
    }
    const flattened = String(flattenIntrinsics(value));
    // Literal user data is base64 already in some templates; intrinsic Fn::Base64 was unwrapped above.
    const script = flattened.startsWith('#!') ? flattened : Buffer.from(flattened, 'base64').toString('utf-8');
    return isShellScript(script) ? [{ location: `Resources/${logicalId}/Properties/${propertyPath.join('/')}`, script }] : [];
  });
}

function isShellScript(script: string): boolean {
  return /^#!\s*\/(usr\/)?bin\/(env )?(bash|sh)\b/.test(script);
}

function withBashShebang(script: string): string {
  return script.startsWith('#!') ? script : `#!/bin/bash\n${script}`;
}
