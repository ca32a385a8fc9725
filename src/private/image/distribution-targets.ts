import { Token, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { ImageDistributionTarget } from '../../image-distribution';

/** What every region's AMI carries, whichever accounts receive it. */
export interface AmiOutput {
  /** AMI name, with Image Builder's build-date variable so that each build's name is unique. */
  readonly name: string;
  readonly tags: Record<string, string>;
}

interface RegionTarget {
  readonly region: string;
  readonly copyToAccounts: Set<string>;
  readonly launchPermissionAccounts: Set<string>;
  kmsKeyArn?: string;
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** Key or alias ARN; Image Builder accepts either, never a bare key id or alias name. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(key|alias)\/.+$/;

/**
 * The regions and accounts a recipe's AMIs go to, merged per region (Image Builder takes one
 * distribution per region), validated as they are added.
 */
export class DistributionTargets {
  private readonly byRegion = new Map<string, RegionTarget>();

  /** @param buildRegion always a target: the build account keeps its AMI there */
  constructor(private readonly buildRegion: string) {
    this.byRegion.set(buildRegion, { region: buildRegion, copyToAccounts: new Set(), launchPermissionAccounts: new Set() });
  }

  public add(target: ImageDistributionTarget): void {
    validateTarget(target);
    // An unknown build region could be this very region at deploy time: Image Builder would then
    // get two distributions for one region, and the merge above could not have caught it.
    if (Token.isUnresolved(this.buildRegion) && !Token.isUnresolved(target.region)) {
      throw new Error(`Distribution target ${target.region} needs the stack's region to be known, so that the build region is not listed twice; set env.region on the stack`);
    }
    const existing = this.byRegion.get(target.region);
    const merged = existing ?? { region: target.region, copyToAccounts: new Set<string>(), launchPermissionAccounts: new Set<string>() };
    target.copyToAccounts?.forEach((account) => merged.copyToAccounts.add(account));
    target.launchPermissionAccounts?.forEach((account) => merged.launchPermissionAccounts.add(account));
    if (target.kmsKeyArn !== undefined) {
      if (merged.kmsKeyArn !== undefined && merged.kmsKeyArn !== target.kmsKeyArn) {
        throw new Error(`Region ${target.region} already encrypts its AMI copies with ${merged.kmsKeyArn}; a second key ${target.kmsKeyArn} cannot apply to the same copies`);
      }
      merged.kmsKeyArn = target.kmsKeyArn;
    }
    this.byRegion.set(target.region, merged);
  }

  /**
   * Whether an AMI of its own lands in this account and region: the build account's in every
   * target region, another account's only where it is copied to (a launch permission shares the
   * build account's AMI, which a release into that account does not look for).
   */
  public copiesTo(account: string, region: string, buildAccount: string): boolean {
    const target = this.byRegion.get(region);
    return target !== undefined && (account === buildAccount || target.copyToAccounts.has(account));
  }

  /** Every `<account>/<region>` that gets an AMI of its own: the build account's in every region, and each copy. */
  public destinations(buildAccount: string): string[] {
    return [...this.byRegion.values()].flatMap((target) => [buildAccount, ...target.copyToAccounts].map((account) => `${account}/${target.region}`));
  }

  /** The regions, build region first. */
  public get regions(): string[] {
    return [...this.byRegion.keys()];
  }

  /**
   * The `Distributions` of a distribution configuration.
   *
   * @param buildRegionSsmParameters parameter outputs, written in the build account and region
   */
  public render(output: AmiOutput, buildRegionSsmParameters?: imagebuilder.CfnDistributionConfiguration.SsmParameterConfigurationProperty[]):
  imagebuilder.CfnDistributionConfiguration.DistributionProperty[] {
    return [...this.byRegion.values()].map((target, index) => ({
      region: target.region,
      // The L1 types this property loosely (`any`), so its keys are CloudFormation's own casing.
      amiDistributionConfiguration: {
        Name: output.name,
        AmiTags: output.tags,
        KmsKeyId: target.kmsKeyArn,
        TargetAccountIds: nonEmpty(target.copyToAccounts),
        LaunchPermissionConfiguration: target.launchPermissionAccounts.size > 0
          ? { UserIds: [...target.launchPermissionAccounts] }
          : undefined,
      },
      ssmParameterConfigurations: index === 0 ? buildRegionSsmParameters : undefined,
    }));
  }
}

function validateTarget(target: ImageDistributionTarget): void {
  if (!Token.isUnresolved(target.region) && !REGION.test(target.region)) {
    throw new Error(`Distribution region must look like 'eu-west-1', got '${target.region}'`);
  }
  for (const account of [...target.copyToAccounts ?? [], ...target.launchPermissionAccounts ?? []]) {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) {
      throw new Error(`Distribution account ids must be 12 digits, got '${account}' (region ${target.region})`);
    }
  }
  const keyArn = target.kmsKeyArn;
  if (keyArn === undefined || Token.isUnresolved(keyArn)) return;
  const match = KMS_KEY_ARN.exec(keyArn);
  if (!match) {
    throw new Error(`kmsKeyArn must be a full key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>), because copies in other accounts resolve a bare id in their own account; got '${keyArn}' (region ${target.region})`);
  }
  if (!Token.isUnresolved(target.region) && match[1] !== target.region) {
    throw new Error(`kmsKeyArn ${keyArn} is a key in ${match[1]}, but it must be in the region it encrypts copies for, ${target.region}`);
  }
}

function nonEmpty(values: Set<string>): string[] | undefined {
  return values.size > 0 ? [...values] : undefined;
}
