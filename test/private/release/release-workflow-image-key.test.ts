import { TaskFailure } from '../../../scripts/lib/local-state-machine';
import {
  ACCOUNT, PREVIOUS, RELEASE, STACK, finalLedger, imageWithSnapshots, ledgerOf, runRelease, snapshotsEncryptedWith, targetFakes, workflowDefinition,
} from '../../helpers/release-workflow';

const BUILD_KEY = 'arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OWN_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
const SNAPSHOTS = ['snap-0a1b2c3d4e5f60718', 'snap-0f1e2d3c4b5a69788'];

/** The fakes of a release whose AMI has these snapshots, encrypted with these keys. */
function releasing(keyArns: Array<string | undefined>) {
  return {
    ...targetFakes(),
    ReadImageSnapshots: imageWithSnapshots(SNAPSHOTS.slice(0, keyArns.length)),
    ReadImageSnapshotKeys: snapshotsEncryptedWith(keyArns, SNAPSHOTS),
  };
}

describe('ReleaseWorkflow and encrypted AMIs', () => {
  test('given an AMI encrypted with the build account\'s key, then the target\'s Auto Scaling service-linked role is granted the key before anything is written', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, releasing([BUILD_KEY]));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ReadImageSnapshots).toEqual([{ ImageIds: [RELEASE.amiId] }]);
    // One snapshot per call, by id.
    expect(execution.calls.ReadImageSnapshotKeys).toEqual([{ SnapshotIds: [SNAPSHOTS[0]] }]);
    expect(execution.calls.GrantImageKey).toEqual([{
      KeyId: BUILD_KEY,
      GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      Operations: ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'],
      Name: `immutable-servers-${STACK}`,
    }]);
    expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
  });

  test('given two snapshots under one key, then both grants carry the same name, so KMS keeps one grant', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, releasing([BUILD_KEY, BUILD_KEY]));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.GrantImageKey).toHaveLength(2);
    expect(execution.calls.GrantImageKey![1]).toEqual(execution.calls.GrantImageKey![0]);
  });

  test.each([
    ['a key of the target\'s own account, whose key policy decides', [OWN_KEY]],
    ['unencrypted snapshots', [undefined, undefined]],
  ])('given an AMI with %s, then no grant is created', async (_case, keyArns) => {
    const execution = await runRelease(workflowDefinition(), RELEASE, releasing(keyArns));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.GrantImageKey).toBeUndefined();
  });

  test('given an AMI without EBS snapshots, then no snapshot is described, as DescribeSnapshots without ids would list them all', async () => {
    // imageWithSnapshots adds an instance store volume, which has no snapshot.
    const execution = await runRelease(workflowDefinition(), RELEASE, { ...releasing([]), ReadImageSnapshots: imageWithSnapshots([]) });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ReadImageSnapshotKeys).toBeUndefined();
  });

  test('given a key whose policy refuses the grant, then nothing is written and the error names the AMI, the account and what the key policy needs', async () => {
    const refused = 'User: arn:aws:sts::111111111111:assumed-role/release/x is not authorized to perform: kms:CreateGrant on this resource because the resource '
      + 'does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access '
      + '(Service: Kms, Status Code: 400, Error Code: AccessDeniedException)';
    const execution = await runRelease(workflowDefinition(), RELEASE, {
      ...releasing([BUILD_KEY]),
      GrantImageKey: () => {
        throw new TaskFailure('Kms.AccessDeniedException', refused);
      },
    });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageNotLaunchable' });
    expect(execution.cause).toBe(`Nothing was released: stack ${STACK} could not be made able to launch ${RELEASE.amiId}: ${refused}. `
      + `An AMI encrypted with a KMS key of another account needs that key's policy to let account ${ACCOUNT} use the key and create grants `
      + 'for its Auto Scaling service-linked role.');
    expect(execution.calls.PutLedgerParameter).toBeUndefined();
    expect(execution.calls.UpdateStack).toBeUndefined();
    expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
  });

  test('given an AMI that does not exist in the target\'s account and region, then nothing is written and the error names it', async () => {
    const notFound = `The image id '[${RELEASE.amiId}]' does not exist (Service: Ec2, Status Code: 400, Error Code: InvalidAMIID.NotFound)`;
    const execution = await runRelease(workflowDefinition(), RELEASE, {
      ...targetFakes(),
      ReadImageSnapshots: () => {
        throw new TaskFailure('Ec2.Ec2Exception', notFound);
      },
    });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageNotLaunchable' });
    expect(execution.cause).toContain(`could not be made able to launch ${RELEASE.amiId}: ${notFound}.`);
    expect(execution.calls.PutLedgerParameter).toBeUndefined();
  });
});
