import { App } from 'aws-cdk-lib';
import { AssemblyStack, assemblyStacks } from '../../scripts/lib/journey/assembly';
import { DeployedRole, deployedRoles, stackContext } from '../../scripts/lib/journey/deployed-roles';
import { AuthorizationRequest, Decision, evaluate } from '../../scripts/lib/journey/iam-policy';
import { StackContext } from '../../scripts/lib/journey/template-resolution';

/** One stack of a synthesized app as its deployment would be: its context and its roles as IAM holds them. */
export interface DeployedStack {
  readonly stack: AssemblyStack;
  readonly context: StackContext;
  readonly roles: DeployedRole[];
  /** The one role whose trust policy names `principal` (a service, an account or a role). */
  roleTrusting(principal: string): DeployedRole;
}

/** Synthesizes the app and returns its stack of that name, deployed with its parameters' defaults. */
export function deployedStack(app: App, stackName: string): DeployedStack {
  const stack = assemblyStacks(app.synth().directory).find((candidate) => candidate.stackName === stackName);
  if (!stack) throw new Error(`No stack ${stackName} in the app`);
  const context = stackContext(stack);
  const roles = deployedRoles(stack, context);
  return {
    stack,
    context,
    roles,
    roleTrusting: (principal) => {
      const trusting = roles.filter((role) => JSON.stringify(role.trust()).includes(principal));
      if (trusting.length !== 1) throw new Error(`${trusting.length} roles of ${stackName} trust ${principal}`);
      return trusting[0];
    },
  };
}

/** What IAM decides for a request by the role, from its identity policies. */
export function decide(role: DeployedRole, action: string, resource: string, context?: AuthorizationRequest['context']): Decision {
  return evaluate(role.statements(), { action, resource, context });
}
