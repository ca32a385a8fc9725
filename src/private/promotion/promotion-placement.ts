import { Stack, Stage, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ReleaseTarget } from '../../release-target';
import { markLibraryConstruct } from '../shared/library-construct';

/**
 * Where the workflows acting on one environment live. Step Functions SDK integrations call their
 * own region only, so the workflows run in the target's region, and in the account of the role they
 * call it with: the target's own account, or the promotion's when the target has a dedicated
 * release role. That is the promotion's stack (a nested stack of it, per environment) when it is
 * there, otherwise one release stack per account and region beside it (in the same Stage or App),
 * which the pipeline reaches through CodePipeline's cross-account action role, as
 * `cdk bootstrap --trust` allows.
 */
export function releaseStackFor(promotion: Construct, environmentName: string, target: ReleaseTarget): Stack {
  const home = Stack.of(promotion);
  const placement = { account: target.releaseRoleArn === undefined ? target.account : home.account, region: target.region };
  if (isInStackEnvironment(placement, home)) {
    return home;
  }
  const where = `environment ${environmentName} (stack ${target.stackName}, account ${target.account}, region ${target.region})`;
  if (Token.isUnresolved(placement.account) || Token.isUnresolved(placement.region)) {
    throw new Error(`The release workflows of ${where} need its literal account and region, as they run there: give stack ${target.stackName} an explicit env`);
  }
  if (Token.isUnresolved(home.account) || Token.isUnresolved(home.region)) {
    throw new Error(`Target account ${target.account} of ${where} has no release role the promotion can reach: stack ${home.stackName} of the promotion `
      + 'must have an explicit account and region to release into another account or region');
  }
  const stage = Stage.of(home) ?? home.node.root;
  const id = `${home.node.id}-Release-${placement.account}-${placement.region}`;
  return stage.node.tryFindChild(id) as Stack | undefined ?? markLibraryConstruct(new Stack(stage, id, {
    env: placement,
    description: `Release and soak workflows of the promotions in stack ${home.stackName}, for account ${placement.account}, region ${placement.region}`,
  }), 'release workflows stack');
}

/**
 * Whether the target is in the stack's account and region. Tokens compare equal only when they are
 * the same token, e.g. both stacks environment-agnostic.
 */
export function isInStackEnvironment(target: Pick<ReleaseTarget, 'account' | 'region'>, stack: Stack): boolean {
  return target.account === stack.account && target.region === stack.region;
}
