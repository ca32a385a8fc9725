import { Size, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { TaskFailure, TaskFake, allStates } from '../../../scripts/lib/local-state-machine';
import { decide, deployedStack } from '../../helpers/deployed-app';
import { ENVIRONMENT, deploymentStack } from '../../helpers/deployment-stack';
import { RELEASE, STACK, runRelease, target, targetFakes, workflowDefinition } from '../../helpers/release-workflow';

const SNAPSHOTTING = target({ snapshotDataVolumes: true });
/** A release workflow's role in the pipeline account, which a deployment's release role trusts. */
const WORKFLOW_ROLE = 'arn:aws:iam::999999999999:role/Pipeline-Promotion-prod-Release-Role-0A1B2C3D';

/** DescribeVolumes of the environment's data volumes. */
const dataVolumes = (...ids: string[]): TaskFake => () => ({ Volumes: ids.map((id) => ({ VolumeId: id, State: 'in-use' })) });
const snapshotOf: TaskFake = ({ VolumeId }) => ({ SnapshotId: `snap-of-${VolumeId}`, VolumeId, State: 'pending' });

describe('ReleaseWorkflow of an environment with data volumes', () => {
  test('given a release, then each data volume is snapshotted, tagged with the stack and the version released next, and the output lists the snapshots', async () => {
    const execution = await runRelease(workflowDefinition({ target: SNAPSHOTTING }), RELEASE, {
      ...targetFakes(),
      FindDataVolumes: dataVolumes('vol-a', 'vol-b'),
      SnapshotDataVolume: snapshotOf,
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.FindDataVolumes).toEqual([{
      Filters: [{ Name: 'tag:immutable-servers:data-volume-of', Values: [STACK] }, { Name: 'tag-key', Values: ['immutable-servers:data-volume-used'] }],
    }]);
    expect(execution.calls.SnapshotDataVolume).toEqual(['vol-a', 'vol-b'].map((volumeId) => ({
      VolumeId: volumeId,
      Description: `Data of stack ${STACK} before release ${RELEASE.version}`,
      TagSpecifications: [{
        ResourceType: 'snapshot',
        Tags: [{ Key: 'immutable-servers:data-volume-of', Value: STACK }, { Key: 'immutable-servers:before-release', Value: RELEASE.version }],
      }],
    })));
    expect((execution.output as any).dataVolumeSnapshots).toEqual([
      { snapshotId: 'snap-of-vol-a', volumeId: 'vol-a' }, { snapshotId: 'snap-of-vol-b', volumeId: 'vol-b' },
    ]);
  });

  test('given a volume that cannot be snapshotted, then nothing is written or updated and the error says why', async () => {
    const execution = await runRelease(workflowDefinition({ target: SNAPSHOTTING }), RELEASE, {
      ...targetFakes(),
      FindDataVolumes: dataVolumes('vol-a'),
      SnapshotDataVolume: () => { throw new TaskFailure('Ec2.SnapshotCreationPerVolumeRateExceeded', 'The maximum per volume CreateSnapshot request rate has been exceeded'); },
    });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseNotStarted' });
    expect(execution.cause).toBe(`Could not snapshot the data volumes of stack ${STACK} before releasing ${RELEASE.amiId} (version ${RELEASE.version}), `
      + 'so nothing was released: The maximum per volume CreateSnapshot request rate has been exceeded');
    expect(execution.calls.PutLedgerParameter).toBeUndefined();
    expect(execution.calls.UpdateStack).toBeUndefined();
  });

  test('given a release of the AMI the environment runs, then no snapshot is taken: nothing is replaced', async () => {
    const fakes = targetFakes();
    const execution = await runRelease(workflowDefinition({ target: SNAPSHOTTING }), { ...RELEASE, amiId: 'ami-0fedcba9876543210' }, {
      ...fakes, FindDataVolumes: dataVolumes('vol-a'), SnapshotDataVolume: snapshotOf,
    });

    expect((execution.output as any).outcome).toBe('ALREADY_RUNNING');
    expect(execution.calls.SnapshotDataVolume).toBeUndefined();
  });

  test('given an environment without data volumes, then the workflow has no snapshot state', () => {
    expect(allStates(workflowDefinition()).map(([name]) => name)).not.toContain('FindDataVolumes');
  });

  test('given a deployment\'s release role, then it may snapshot only that stack\'s data volumes, into snapshots tagged as its', () => {
    const { app } = deploymentStack({ dataVolume: { size: Size.gibibytes(50), mountPath: '/var/lib/web' }, releaseRole: { trustedAccounts: ['999999999999'], trustedWorkflowRoleArns: [WORKFLOW_ROLE] } },
      (_stack, vpc) => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [vpc.availabilityZones[0]] } }));
    const role = deployedStack(app, 'WebProd').roleTrusting('999999999999');
    const { account, region } = ENVIRONMENT;
    const volume = `arn:aws:ec2:${region}:${account}:volume/vol-0123456789abcdef0`;
    const snapshot = `arn:aws:ec2:${region}::snapshot/snap-0123456789abcdef0`;
    const ours = { 'aws:ResourceTag/immutable-servers:data-volume-of': 'WebProd' };
    const tags = ['immutable-servers:data-volume-of', 'immutable-servers:before-release'];

    expect(decide(role, 'ec2:CreateSnapshot', volume, ours)).toBe('ALLOWED');
    expect(decide(role, 'ec2:CreateSnapshot', volume, { 'aws:ResourceTag/immutable-servers:data-volume-of': 'WebQa' })).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:CreateSnapshot', snapshot, { 'aws:RequestTag/immutable-servers:data-volume-of': 'WebProd' })).toBe('ALLOWED');
    expect(decide(role, 'ec2:CreateSnapshot', snapshot, {})).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:CreateTags', snapshot, { 'ec2:CreateAction': 'CreateSnapshot', 'aws:TagKeys': tags })).toBe('ALLOWED');
    expect(decide(role, 'ec2:CreateTags', snapshot, { 'ec2:CreateAction': 'CreateSnapshot', 'aws:TagKeys': ['Name'] })).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:DeleteSnapshot', snapshot, ours)).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:DetachVolume', volume, ours)).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:DescribeVolumes', '*')).toBe('ALLOWED');
  });
});
