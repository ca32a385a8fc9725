import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { BuildableRecipe } from '../image/buildable-recipe';

/**
 * A Parallel state with one branch per recipe (architecture), each made in a scope of its own by
 * `branch`. With more than one recipe, each branch's state names start with its architecture
 * (`statePrefix`): state names are unique in a whole state machine, branches included. The names
 * are prefixed before the branch joins the Parallel state, which records them; a Map state records
 * its item states' names when it is made, so `branch` prefixes those itself.
 */
export function branchPerArchitecture(scope: Construct, id: string, props: sfn.ParallelProps, recipes: BuildableRecipe[],
  branch: (branchScope: Construct, recipe: BuildableRecipe, statePrefix: string) => sfn.IChainable): sfn.Parallel {
  const parallel = new sfn.Parallel(scope, id, props);
  for (const recipe of recipes) {
    const architecture = recipe.baseImage.architecture;
    const statePrefix = recipes.length > 1 ? `${architecture}-` : '';
    const branchScope = new Construct(scope, architecture);
    const chain = branch(branchScope, recipe, statePrefix);
    branchScope.node.findAll().filter((construct): construct is sfn.State => construct instanceof sfn.State)
      .filter((state) => !state.stateId.startsWith(statePrefix))
      .forEach((state) => state.addPrefix(statePrefix));
    parallel.branch(chain);
  }
  return parallel;
}
