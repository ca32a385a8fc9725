import { aws_iam as iam, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { ReleaseStates } from './release-workflow-states';
import type { ReleaseTarget } from '../../release-target';
import { DATA_VOLUME_TAG_KEYS } from '../shared/data-volume-tags';

/**
 * The states that snapshot every data volume of the target (tagged as its stack's) that has held
 * data before a release writes anything: the way back when a release changes the data's format, which a stack
 * rollback does not undo. A snapshot is taken at the call and completes in the background, so the
 * release does not wait for it. A volume that cannot be snapshotted stops the release before it
 * writes the ledger. Snapshot ids go to `$.dataVolumeSnapshots`.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-creating-snapshot.html
 */
export class DataVolumeSnapshotStates {
  constructor(private readonly states: ReleaseStates) {}

  /** Snapshots the target's data volumes, then goes to `next`; `next` alone when the target takes none. */
  public before(next: sfn.IChainable): sfn.IChainable {
    const { scope, target } = this.states;
    if (!target.snapshotDataVolumes) return next;
    const find = this.states.call('FindDataVolumes', 'ec2', 'describeVolumes', {
      // Only volumes that have held data: a slot no instance has attached yet is empty.
      Filters: [{ Name: `tag:${DATA_VOLUME_TAG_KEYS.stack}`, Values: [target.stackName] }, { Name: 'tag-key', Values: [DATA_VOLUME_TAG_KEYS.used] }],
    }, '$.dataVolumes', { 'volumes.$': '$.Volumes' });
    const snapshot = this.states.call('SnapshotDataVolume', 'ec2', 'createSnapshot', {
      VolumeId: sfn.JsonPath.stringAt('$.volumeId'),
      Description: sfn.JsonPath.format(`Data of stack ${target.stackName} before release {}`, sfn.JsonPath.stringAt('$.version')),
      TagSpecifications: [{
        ResourceType: 'snapshot',
        Tags: [
          { Key: DATA_VOLUME_TAG_KEYS.stack, Value: target.stackName },
          { Key: DATA_VOLUME_TAG_KEYS.beforeRelease, Value: sfn.JsonPath.stringAt('$.version') },
        ],
      }],
    }, '$.snapshot', { 'snapshotId.$': '$.SnapshotId', 'volumeId.$': '$.VolumeId' });
    const each = new sfn.Map(scope, 'SnapshotDataVolumes', {
      comment: 'Snapshots each data volume of the environment, the way back from a release that changes the data\'s format',
      itemsPath: '$.dataVolumes.volumes',
      itemSelector: { 'volumeId.$': '$$.Map.Item.Value.VolumeId', 'version.$': '$.version' },
      maxConcurrency: 5,
      resultPath: '$.dataVolumeSnapshots',
    }).itemProcessor(snapshot.next(new sfn.Pass(scope, 'SnapshotTaken', { outputPath: '$.snapshot' })));
    const refused = this.states.explain('ExplainDataNotSnapshotted', 'ReleaseNotStarted',
      `Could not snapshot the data volumes of stack ${target.stackName} before releasing {} (version {}), so nothing was released: {}`,
      '$.amiId', '$.version', '$.error.Cause').next(this.states.fail('DataNotSnapshotted'));
    for (const state of [find, each]) state.addCatch(refused, { errors: ['States.ALL'], resultPath: '$.error' });
    return find.next(each).next(next);
  }
}

/** What a release needs to snapshot the target's data volumes: only its volumes, only snapshots tagged as its. */
export function dataSnapshotStatements(target: ReleaseTarget, arns: { volumes: string; snapshots: string }): iam.PolicyStatement[] {
  if (!target.snapshotDataVolumes) return [];
  return [
    new iam.PolicyStatement({
      actions: ['ec2:CreateSnapshot'],
      resources: [arns.volumes],
      conditions: { StringEquals: { [`aws:ResourceTag/${DATA_VOLUME_TAG_KEYS.stack}`]: target.stackName } },
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateSnapshot'],
      resources: [arns.snapshots],
      conditions: { StringEquals: { [`aws:RequestTag/${DATA_VOLUME_TAG_KEYS.stack}`]: target.stackName } },
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateTags'],
      resources: [arns.snapshots],
      conditions: {
        'StringEquals': { 'ec2:CreateAction': 'CreateSnapshot' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [DATA_VOLUME_TAG_KEYS.stack, DATA_VOLUME_TAG_KEYS.beforeRelease] },
      },
    }),
  ];
}
