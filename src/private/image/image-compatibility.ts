import { Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { architectureOf, recipeOfArchitecture } from './recipe-architectures';
import type { ImageOperatingSystem } from '../../base-image';

/** What an environment's instances need of the images released into them (`RollingAsgDeployment`). */
export interface ImageRequirements {
  readonly instanceType: ec2.InstanceType;
  readonly operatingSystem: ImageOperatingSystem;
  /** The service the instances start, which the image must install under that name. */
  readonly applicationName: string;
  /** The port the load balancer and health checks reach the service on. */
  readonly applicationPort: number;
  /** The command-line pattern the process-down alarm counts processes by. */
  readonly processPattern: string;
  /** Whether the deployment's props gave the pattern, rather than its default for the install folder. */
  readonly processPatternGiven: boolean;
}

/** What a recipe's images are. */
export interface ImageProperties extends IConstruct {
  readonly baseImage: { readonly architecture: ec2.InstanceArchitecture; readonly operatingSystem: ImageOperatingSystem };
  /** The service the images install. */
  readonly applicationName: string;
  /** How the images start the service, and the port their health check probes. */
  readonly _service: { readonly startCommand: string; readonly healthCheckPort?: number };
}

/**
 * Errors for environments whose instances cannot run the images of the recipes (one per
 * architecture) released into them: no recipe of their processor architecture, another operating
 * system, another service. Each names both constructs, both values and the fix; what is a token is
 * not checked.
 */
export function incompatibleEnvironments(recipes: ImageProperties[], environments: Array<{
  readonly name: string;
  readonly deployment?: IConstruct & { readonly _imageRequirements: ImageRequirements };
  readonly target?: { readonly stackName: string; readonly architecture?: ec2.InstanceArchitecture };
}>): string[] {
  if (recipes.length === 0) return [];
  const baked = recipes.map((recipe) => `${recipe.node.path} (${recipe.baseImage.architecture})`).join(', ');
  return environments.flatMap(({ name, deployment, target }) => {
    if (deployment === undefined) {
      const architecture = target?.architecture;
      return architecture === undefined || recipeOfArchitecture(recipes, architecture) !== undefined ? []
        : [`Environment ${name} (stack ${target!.stackName}) runs ${architecture} instances (its target's architecture), but no recipe bakes `
          + `${architecture} images, only ${baked}: add a recipe for ${architecture}, given to the pipeline's recipes`];
    }
    const wanted = deployment._imageRequirements;
    const where = `Environment ${name} (deployment ${deployment.node.path})`;
    const errors: string[] = [];
    const instanceType = wanted.instanceType.toString();
    const architecture = architectureOf(wanted.instanceType);
    const recipe = (architecture && recipeOfArchitecture(recipes, architecture)) ?? recipes[0];
    const image = recipe.baseImage;
    if (architecture !== undefined && architecture !== image.architecture) {
      errors.push(`${where} runs ${instanceType} instances, whose architecture is ${architecture}, but no recipe bakes ${architecture} images, only `
        + `${baked}: add a recipe for ${architecture} (for example with BaseImage.amazonLinux2023(ec2.InstanceArchitecture.${architectureMember(architecture)}), `
        + `given to the pipeline's recipes), or choose an instance type of ${recipes.map((candidate) => candidate.baseImage.architecture).join(' or ')}`);
    }
    if (wanted.operatingSystem !== image.operatingSystem) {
      errors.push(`${where} runs ${wanted.operatingSystem} images (its operatingSystem), but recipe ${recipe.node.path} bakes ${image.operatingSystem} images: `
        + `set operatingSystem: ImageOperatingSystem.${image.operatingSystem.toUpperCase()} on the deployment, or bake a ${wanted.operatingSystem} image`);
    }
    const names = [wanted.applicationName, recipe.applicationName];
    if (!names.some((value) => Token.isUnresolved(value)) && names[0] !== names[1]) {
      errors.push(`${where} starts service '${wanted.applicationName}' (its applicationName), but recipe ${recipe.node.path} installs '${recipe.applicationName}': `
        + 'give both the same applicationName');
    }
    const port = recipe._service.healthCheckPort;
    if (port !== undefined && !Token.isUnresolved(port) && !Token.isUnresolved(wanted.applicationPort) && port !== wanted.applicationPort) {
      errors.push(`${where} sends traffic to port ${wanted.applicationPort} (its applicationPort), but recipe ${recipe.node.path} checks its service on port ${port} `
        + '(healthCheck.port): give both the port the service listens on');
    }
    const command = recipe._service.startCommand;
    if (!wanted.processPatternGiven && !Token.isUnresolved(command) && !new RegExp(wanted.processPattern).test(command)) {
      errors.push(`${where} counts the service's processes by the pattern ${wanted.processPattern} (the default for the install folder), which recipe `
        + `${recipe.node.path}'s startCommand '${command}' does not match, so the process-down alarm would roll back every release: `
        + 'run the service from the install folder, or give the deployment a processPattern that matches its command line');
    }
    return errors;
  });
}

function architectureMember(architecture: ec2.InstanceArchitecture): string {
  return architecture === ec2.InstanceArchitecture.ARM_64 ? 'ARM_64' : 'X86_64';
}
