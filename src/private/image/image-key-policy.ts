import { Annotations, Token, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { AUTO_SCALING_GRANT_OPERATIONS, autoScalingServiceRoleArn } from '../release/release-workflow-image-key';

/** What using a key for EBS volumes takes, as EC2 Auto Scaling and Image Builder document it. */
const KEY_USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

/**
 * The key policy statements that let environments launch AMIs whose copies a key encrypts.
 *
 * - Its own account's Auto Scaling service-linked role uses the key directly, and creates grants
 *   for the volumes it attaches.
 * - Another account uses the key, lets AWS services (Image Builder's copy, EBS) create grants for
 *   its resources, and creates one grant itself: the release workflow's grant to that account's
 *   Auto Scaling service-linked role, which EC2 Auto Scaling requires for a key of another account.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */
export function imageKeyPolicyStatements(key: kms.IKey, accounts: string[]): iam.PolicyStatement[] {
  const keyAccount = key.env.account;
  return [...new Set(accounts)].flatMap((account) => {
    const serviceRole = autoScalingServiceRoleArn(key, { account });
    if (account === keyAccount) {
      return [
        new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(serviceRole)], actions: KEY_USE_ACTIONS, resources: ['*'] }),
        new iam.PolicyStatement({
          principals: [new iam.ArnPrincipal(serviceRole)], actions: ['kms:CreateGrant'], resources: ['*'], conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
        }),
      ];
    }
    const principal = new iam.AccountPrincipal(account);
    return [
      new iam.PolicyStatement({ principals: [principal], actions: KEY_USE_ACTIONS, resources: ['*'] }),
      new iam.PolicyStatement({
        principals: [principal],
        actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        resources: ['*'],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
      new iam.PolicyStatement({
        principals: [principal],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          'StringEquals': { 'kms:GranteePrincipal': serviceRole },
          'ForAllValues:StringEquals': { 'kms:GrantOperations': AUTO_SCALING_GRANT_OPERATIONS },
        },
      }),
    ];
  });
}

/**
 * Adds `imageKeyPolicyStatements` to a key this app owns. An imported key's policy cannot be
 * changed here: a warning lists what it must allow.
 */
export function allowAccountsToLaunchWithKey(key: kms.IKey, accounts: string[]): void {
  const statements = imageKeyPolicyStatements(key, accounts);
  const added = statements.map((statement) => key.addToResourcePolicy(statement, true).statementAdded);
  if (added.includes(false)) {
    const keyName = Token.isUnresolved(key.keyArn) ? key.node.path : key.keyArn;
    Annotations.of(key).addWarningV2('immutable-servers:image-key-policy',
      `The policy of imported key ${keyName} cannot be changed by this app. For environments in accounts ${[...new Set(accounts)].join(', ')} to launch `
      + 'the AMIs it encrypts, it must let each account use the key, let AWS services create grants for their resources, and let each account create '
      + 'a grant to its AWSServiceRoleForAutoScaling role (README, "Encrypted AMIs").');
  }
}
