import { Arn, ArnFormat, Lazy, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ReleaseTarget } from '../../release-target';
import { acknowledgeNagFinding } from '../nag/nag-acknowledgement';
import { grantReleasePermissions } from '../release/release-workflow';
import { soakRolePolicyStatements } from '../release/soak-workflow';
import { literalRoleName, roleArnOf, validateRoleArn } from '../shared/role-arns';

/** Who may assume a deployment's release role. */
export interface ReleaseRoleTrust {
  /** Accounts whose workflow roles the role may trust. */
  readonly trustedAccounts: string[];
  /** Workflow roles of promotions in other apps. */
  readonly trustedWorkflowRoleArns?: string[];
}

/**
 * A role in a deployment's stack that only releases into that deployment and reads its rollback
 * alarms, assumable by the release and soak workflow roles it trusts, each by its ARN. Its name is
 * literal, so a workflow in another account names it without an export.
 */
export class DeploymentReleaseRole extends Construct {
  public readonly role: iam.Role;
  /** The role's ARN, from its literal name. */
  public readonly roleArn: string;
  /** ARNs of the workflow roles the role trusts. */
  private readonly trusted = new Set<string>();
  private readonly trustedAccounts: string[];

  constructor(scope: Construct, id: string, trust: ReleaseRoleTrust, target: Omit<ReleaseTarget, 'releaseRoleArn'>) {
    super(scope, id);
    validateTrustedAccounts(trust.trustedAccounts);
    this.trustedAccounts = trust.trustedAccounts;
    const roleName = literalRoleName(this);
    // The accounts' principals with an aws:PrincipalArn condition, not the roles as principals:
    // IAM refuses a trust policy naming a role that does not exist yet, and the workflows' stacks
    // may deploy after this one.
    const workflowRoles = new iam.PrincipalWithConditions(
      new iam.CompositePrincipal(...trust.trustedAccounts.map((account) => new iam.AccountPrincipal(account))),
      { ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => [...this.trusted] }) } });
    this.role = new iam.Role(this, 'Resource', {
      roleName,
      description: `Releases AMIs into stack ${target.stackName} and reads its rollback alarms; assumed by the release workflows it trusts`,
      assumedBy: workflowRoles,
    });
    grantReleasePermissions(this.role, target);
    soakRolePolicyStatements(this.role, target).forEach((statement) => this.role.addToPrincipalPolicy(statement));
    acknowledgeNagFinding(this.role, 'AwsSolutions-IAM5[Resource::*]',
      'Only the release\'s EC2 describe calls, which support no resource-level permissions: they read the released AMI\'s snapshots '
      + 'and whether other environments still run the AMI it replaced');
    this.roleArn = roleArnOf(this, roleName);
    this.trustWorkflowRoles('releaseRole.trustedWorkflowRoleArns', trust.trustedWorkflowRoleArns ?? []);
    this.node.addValidation({
      validate: () => (this.trusted.size > 0 ? [] : [`The release role of ${scope.node.path} is trusted by no release workflow: release into it from an `
        + 'EnvironmentPromotion in this app, or list the workflow roles of another app\'s promotion in releaseRole.trustedWorkflowRoleArns']),
    });
  }

  /** Trusts workflow roles, each of which must be in a trusted account; `from` says whose they are, in errors. */
  public trustWorkflowRoles(from: string, roleArns: string[]): void {
    const deployment = this.node.scope!.node.path;
    for (const roleArn of roleArns) {
      // The library's own ARNs name the partition by its pseudo parameter, which this stack resolves.
      const account = Token.isUnresolved(roleArn) ? Arn.split(roleArn, ArnFormat.SLASH_RESOURCE_NAME).account! : validateRoleArn(roleArn, `${from}: workflow role`);
      if (![account, ...this.trustedAccounts].some((value) => Token.isUnresolved(value)) && !this.trustedAccounts.includes(account)) {
        throw new Error(`${from}: workflow role ${roleArn} is in account ${account}, which releaseRole.trustedAccounts of ${deployment} `
          + `(${this.trustedAccounts.join(', ')}) does not list: add ${account} to trustedAccounts, or release from an account it lists`);
      }
      this.trusted.add(roleArn);
    }
  }
}

function validateTrustedAccounts(accounts: string[]): void {
  if (accounts.length === 0) {
    throw new Error('releaseRole.trustedAccounts must name at least one account: the one whose release workflows assume the role');
  }
  for (const account of accounts) {
    if (!Token.isUnresolved(account) && !/^\d{12}$/.test(account)) {
      throw new Error(`releaseRole.trustedAccounts must be 12-digit account ids, got '${account}'`);
    }
  }
}
