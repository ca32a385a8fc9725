/**
 * The IAM roles of a deployed stack as IAM holds them: each role's ARN, the statements of its
 * inline and attached policies and its trust policy, with every intrinsic resolved as the
 * deployment resolved it. The journeys' authorization checks read them, and so do the tests that
 * evaluate a role against what it must and must not be able to do.
 */
import { AssemblyStack, PhysicalIdHooks, physicalId } from './assembly';
import { PolicyStatement } from './iam-policy';
import { StackContext, resolve } from './template-resolution';

/** A trust policy's statement: who may assume the role, on which conditions. */
export type TrustStatement = PolicyStatement & { readonly Principal?: unknown };

export interface DeployedRole {
  /** The role's logical id in its stack. */
  readonly logicalId: string;
  readonly arn: string;
  statements(): PolicyStatement[];
  trust(): TrustStatement[];
  /** ARNs of the AWS-managed (or other) policies attached by ARN. */
  managedPolicyArns(): string[];
}

/**
 * The context of a stack deployed with `parameters` (logical id to resolved value; by default
 * each parameter's default), its resources' physical ids as the simulated deployment gives them.
 */
export function stackContext(stack: AssemblyStack, parameters?: Record<string, string>, hooks: PhysicalIdHooks = {}): StackContext {
  const context: StackContext = {
    stackName: stack.stackName,
    account: stack.account,
    region: stack.region,
    parameters: parameters ?? Object.fromEntries(Object.entries(stack.template.Parameters ?? {}).map(([name, parameter]) => [name, parameter.Default ?? ''])),
    template: stack.template,
    physical: (logicalId, attribute) => physicalId(stack, context, logicalId, attribute, hooks),
  };
  return context;
}

/** Every `AWS::IAM::Role` of the stack, with the policies that name it. */
export function deployedRoles(stack: AssemblyStack, context: StackContext): DeployedRole[] {
  const resources = stack.template.Resources;
  return Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role').map(([logicalId, resource]) => {
    const attached = Object.values(resources).filter((policy) => (policy.Type === 'AWS::IAM::Policy' || policy.Type === 'AWS::IAM::ManagedPolicy')
      && (policy.Properties?.Roles ?? []).some((role: any) => role?.Ref === logicalId));
    const documents = [
      ...(resource.Properties?.Policies ?? []).map((policy: any) => policy.PolicyDocument),
      ...attached.map((policy) => policy.Properties!.PolicyDocument),
    ];
    return {
      logicalId,
      arn: String(context.physical(logicalId, 'Arn')),
      statements: () => documents.flatMap((document) => resolve(document, context).Statement as PolicyStatement[]),
      trust: () => resolve(resource.Properties?.AssumeRolePolicyDocument, context).Statement,
      managedPolicyArns: () => resolve(resource.Properties?.ManagedPolicyArns ?? [], context),
    };
  });
}
