import { Stack, Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ImageProperties } from './image-compatibility';

/**
 * The recipes one bake builds: one per processor architecture, of one service on one operating
 * system, in one account and region. Given as `recipe` or `recipes`; exactly one of the two.
 *
 * @param owner the construct whose props name them, for the errors
 */
export function bakedRecipes<R extends ImageProperties>(owner: IConstruct, recipe: R | undefined, recipes: R[] | undefined): R[] {
  if ((recipe === undefined) === (recipes === undefined)) {
    throw new Error(`${owner.node.path}: give recipe (one architecture) or recipes (one per architecture), not ${recipe === undefined ? 'neither' : 'both'}`);
  }
  const all = recipes ?? [recipe!];
  if (all.length === 0) {
    throw new Error(`${owner.node.path}: recipes is empty; give one recipe per architecture the environments run`);
  }
  const [first, ...others] = all;
  for (const other of others) {
    const clash = all.find((candidate) => candidate !== other && candidate.baseImage.architecture === other.baseImage.architecture);
    if (clash !== undefined) {
      throw new Error(`${owner.node.path}: recipes ${clash.node.path} and ${other.node.path} both bake ${other.baseImage.architecture} images; `
        + 'give one recipe per architecture, so that each environment gets the image of its own');
    }
    if (other.baseImage.operatingSystem !== first.baseImage.operatingSystem) {
      throw new Error(`${owner.node.path}: recipe ${first.node.path} bakes ${first.baseImage.operatingSystem} images and ${other.node.path} `
        + `${other.baseImage.operatingSystem} images; the recipes of one bake differ in architecture only`);
    }
    const names = [first.applicationName, other.applicationName];
    if (!names.some((name) => Token.isUnresolved(name)) && names[0] !== names[1]) {
      throw new Error(`${owner.node.path}: recipe ${first.node.path} installs '${names[0]}' and ${other.node.path} '${names[1]}'; `
        + 'the recipes of one bake install the same service');
    }
    const [here, there] = [Stack.of(first), Stack.of(other)];
    if (here.account !== there.account || here.region !== there.region) {
      throw new Error(`${owner.node.path}: recipe ${first.node.path} is in account ${here.account}, region ${here.region}, and ${other.node.path} `
        + `in account ${there.account}, region ${there.region}; one bake builds all its recipes in one account and region`);
    }
  }
  return all;
}

/** The recipe of the given architecture, if one of them bakes it. */
export function recipeOfArchitecture<R extends ImageProperties>(recipes: R[], architecture: ec2.InstanceArchitecture): R | undefined {
  return recipes.find((recipe) => recipe.baseImage.architecture === architecture);
}

/** The architecture the instances of a type run, or undefined when the type is a token. */
export function architectureOf(instanceType: ec2.InstanceType): ec2.InstanceArchitecture | undefined {
  return Token.isUnresolved(instanceType.toString()) ? undefined : instanceType.architecture;
}
