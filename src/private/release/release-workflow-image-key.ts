import { Stack, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ReleaseStates } from './release-workflow-states';
import type { ReleaseTarget } from '../../release-target';

/**
 * What the Auto Scaling service-linked role needs of the KMS key that encrypts an AMI's snapshots
 * to launch instances from it, as EC2 Auto Scaling documents for a key in another account.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 */
export const AUTO_SCALING_GRANT_OPERATIONS = [
  'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant',
];

/** ARN of the Auto Scaling service-linked role of the target's account, which launches its instances. */
export function autoScalingServiceRoleArn(scope: IConstruct, target: Pick<ReleaseTarget, 'account'>): string {
  return Stack.of(scope).formatArn({
    service: 'iam',
    region: '',
    account: target.account,
    resource: 'role',
    resourceName: 'aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
  });
}

/** Name of the grant on a key, one per environment stack: CreateGrant with the same name and parameters is idempotent. */
export function imageKeyGrantName(target: Pick<ReleaseTarget, 'stackName'>): string {
  return `immutable-servers-${target.stackName}`;
}

/**
 * The states that let the target's Auto Scaling group launch the released AMI when its snapshots
 * are encrypted with a KMS key of another account (the build account's key, with which Image
 * Builder encrypts the copies it distributes): a grant to the target's Auto Scaling service-linked
 * role, created from the target's account as EC2 Auto Scaling requires. No declaration: the keys
 * are read from the AMI's snapshots. A key of the target's own account needs none, its key policy
 * allows the role or not.
 */
export class ImageKeyGrantStates {
  constructor(private readonly states: ReleaseStates) {}

  /**
   * Grants the keys of `$.amiId`'s encrypted snapshots, then goes to `next`; fails with
   * `ImageNotLaunchable` when the AMI cannot be read or a grant cannot be created. Nothing is
   * written before.
   */
  public grant(next: sfn.IChainable): sfn.IChainable {
    const { scope, target } = this.states;
    const readImage = this.states.call('ReadImageSnapshots', 'ec2', 'describeImages', { ImageIds: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.amiId')) },
      '$.image', { 'blockDevices.$': '$.Images[0].BlockDeviceMappings' });
    // One snapshot per call, by id: DescribeSnapshots without ids would list every snapshot the account can see.
    const readSnapshot = this.states.call('ReadImageSnapshotKeys', 'ec2', 'describeSnapshots', {
      SnapshotIds: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.blockDevice.Ebs.SnapshotId')),
    }, '$.snapshot', { 'description.$': '$.Snapshots[0]' });
    const createGrant = this.states.call('GrantImageKey', 'kms', 'createGrant', {
      KeyId: sfn.JsonPath.stringAt('$.keyArn'),
      GranteePrincipal: autoScalingServiceRoleArn(scope, target),
      Operations: AUTO_SCALING_GRANT_OPERATIONS,
      // The same name and parameters return the existing grant: one grant per key and environment.
      Name: imageKeyGrantName(target),
    }, sfn.JsonPath.DISCARD);
    const keyOfAnotherAccount = new sfn.Pass(scope, 'ImageKeyAccount', {
      parameters: {
        'keyArn.$': '$.snapshot.description.KmsKeyId',
        'account.$': 'States.ArrayGetItem(States.StringSplit($.snapshot.description.KmsKeyId, \':\'), 4)',
      },
    }).next(new sfn.Choice(scope, 'KeyOfAnotherAccount?')
      .when(sfn.Condition.stringEquals('$.account', target.account), new sfn.Pass(scope, 'KeyOfTargetAccount'))
      .otherwise(createGrant));
    const encrypted = sfn.Condition.and(sfn.Condition.booleanEquals('$.snapshot.description.Encrypted', true), sfn.Condition.isPresent('$.snapshot.description.KmsKeyId'));
    const grantEach = new sfn.Map(scope, 'GrantImageKeys', {
      comment: 'Lets the Auto Scaling service-linked role use each key of another account that encrypts a snapshot of the AMI',
      itemsPath: '$.image.blockDevices',
      itemSelector: { 'blockDevice.$': '$$.Map.Item.Value' },
      maxConcurrency: 1,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(new sfn.Choice(scope, 'EbsSnapshot?')
      .when(sfn.Condition.isPresent('$.blockDevice.Ebs.SnapshotId'), readSnapshot.next(new sfn.Choice(scope, 'SnapshotEncrypted?')
        .when(encrypted, keyOfAnotherAccount)
        .otherwise(new sfn.Pass(scope, 'SnapshotNotEncrypted'))))
      .otherwise(new sfn.Pass(scope, 'NotAnEbsSnapshot')));
    const notLaunchable = this.states.explain('ExplainImageNotLaunchable', 'ImageNotLaunchable',
      `Nothing was released: stack ${target.stackName} could not be made able to launch {}: {}. An AMI encrypted with a KMS key of another account `
      + `needs that key's policy to let account ${target.account} use the key and create grants for its Auto Scaling service-linked role.`,
      '$.amiId', '$.error.Cause').next(this.states.fail('ImageNotLaunchable'));
    for (const state of [readImage, grantEach]) {
      state.addCatch(notLaunchable, { errors: ['States.ALL'], resultPath: '$.error' });
    }
    return readImage.next(grantEach).next(next);
  }
}
