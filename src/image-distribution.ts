/**
 * A region the recipe's AMIs are distributed to, and the accounts that receive them there.
 *
 * The build account always gets the AMI in the build region. Targets for the same region are
 * merged, so environments can each add the account and region they run in.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cr-upd-ami-distribution-settings.html
 */
export interface ImageDistributionTarget {
  /** Region the AMI is copied to, for example `eu-west-1`. */
  readonly region: string;

  /**
   * Accounts that receive their own copy of the AMI in this region. Each must have the
   * `EC2ImageBuilderDistributionCrossAccountRole` role that Image Builder documents.
   *
   * @default - none: only the build account holds the AMI
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   */
  readonly copyToAccounts?: string[];

  /**
   * Accounts that may launch the build account's AMI in this region without owning a copy.
   *
   * @default - none
   */
  readonly launchPermissionAccounts?: string[];

  /**
   * Full ARN (key or alias ARN) of the customer-managed KMS key that encrypts the AMI's snapshots
   * in this region. Copies in other accounts need the ARN: a key id or alias name would be looked
   * up in the receiving account. The key policy must let those accounts use the key.
   *
   * @default - the snapshots keep the encryption of the source image
   */
  readonly kmsKeyArn?: string;
}
