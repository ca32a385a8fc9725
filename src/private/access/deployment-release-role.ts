import { Names, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ReleaseTarget } from '../../release-target';
import { acknowledgeNagFinding } from '../nag/nag-acknowledgement';
import { grantReleasePermissions } from '../release/release-workflow';
import { soakRolePolicyStatements } from '../release/soak-workflow';

/** IAM's longest role name. */
const ROLE_NAME_MAX_LENGTH = 64;

/**
 * A role in a deployment's stack that only releases into that deployment and reads its rollback
 * alarms, assumable from the accounts that run its release and soak workflows. Its name is literal,
 * so a workflow in another account names it without an export.
 */
export class DeploymentReleaseRole extends Construct {
  public readonly role: iam.Role;
  /** The role's ARN, from its literal name. */
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, trustedAccounts: string[], target: Omit<ReleaseTarget, 'releaseRoleArn'>) {
    super(scope, id);
    validateTrustedAccounts(trustedAccounts);
    const roleName = Names.uniqueResourceName(this, { maxLength: ROLE_NAME_MAX_LENGTH, separator: '-' });
    this.role = new iam.Role(this, 'Resource', {
      roleName,
      description: `Releases AMIs into stack ${target.stackName} and reads its rollback alarms; assumed by release workflows of ${trustedAccounts.join(', ')}`,
      assumedBy: new iam.CompositePrincipal(...trustedAccounts.map((account) => new iam.AccountPrincipal(account))),
    });
    grantReleasePermissions(this.role, target);
    soakRolePolicyStatements(this.role, target).forEach((statement) => this.role.addToPrincipalPolicy(statement));
    acknowledgeNagFinding(this.role, 'AwsSolutions-IAM5[Resource::*]',
      'Only the release\'s EC2 describe calls, which support no resource-level permissions: they read the released AMI\'s snapshots '
      + 'and whether other environments still run the AMI it replaced');
    this.roleArn = Stack.of(this).formatArn({ service: 'iam', region: '', resource: 'role', resourceName: roleName });
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
