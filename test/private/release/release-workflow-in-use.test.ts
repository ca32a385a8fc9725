import { TaskFailure } from '../../../scripts/lib/local-state-machine';
import { IN_USE_TAG_KEY, inUseByTagKey } from '../../../src/private/shared/release-tags';
import {
  EARLIER, NOW, PREVIOUS, RELEASE, STACK, finalLedger, labelledLedger, ledgerHolding, ledgerOf, runRelease, targetFakes, workflowDefinition,
} from '../../helpers/release-workflow';

const IN_USE_BY_WEB_PROD = `immutable-servers:in-use-by:${STACK}`;
/** The lifecycle policy of `ImageRetention.age(Duration.days(90))` deletes images at 97 days. */
const DELETION_AGE_DAYS = 97;
const retiring = () => workflowDefinition({ retirement: { deletionAgeDays: () => DELETION_AGE_DAYS } });
const daysBefore = (days: number) => new Date(NOW.getTime() - days * 24 * 3600 * 1000).toISOString();
const createdAt = (date: string) => (input: any) => ({ Images: [{ ImageId: input.ImageIds[0], CreationDate: date, State: 'available' }] });

describe('ReleaseWorkflow in-use tags', () => {
  test('given a release, then the AMI it replaced keeps its in-use tags as the previous release, and the one before loses them', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.TagAmi).toEqual([expect.objectContaining({ Tags: expect.arrayContaining([{ Key: IN_USE_BY_WEB_PROD, Value: 'prod' }]) })]);
    expect(execution.calls.ReadRetiringVersion).toEqual([{ Name: '/immutable-servers/web/prod/release/version:previous-release' }]);
    expect(execution.calls.ReadRetiringAmi).toEqual([{ Name: '/immutable-servers/web/prod/release/ami:previous-release' }]);
    expect(execution.calls.UntagRetiredAmi).toEqual([{ Resources: [EARLIER.amiId], Tags: [{ Key: IN_USE_BY_WEB_PROD }] }]);
    expect(execution.calls.ReadRetiredAmiUsers).toEqual([{
      Filters: [{ Name: 'resource-id', Values: [EARLIER.amiId] }, { Name: 'key', Values: ['immutable-servers:in-use-by:*'] }],
    }]);
    expect(execution.calls.UntagRetiredAmiShared).toEqual([{ Resources: [EARLIER.amiId], Tags: [{ Key: IN_USE_TAG_KEY }] }]);
    expect(JSON.stringify(execution.calls)).not.toContain(`"Resources":["${PREVIOUS.amiId}"],"Tags":[{"Key"`);
    expect(execution.output).toMatchObject({
      previousAmi: { imageId: PREVIOUS.amiId },
      retiredAmi: { imageId: EARLIER.amiId, inUseTag: 'REMOVED', deregistered: false },
    });
  });

  test('given another environment in the account still holds the retired AMI, then only this environment\'s tag comes off and it stays in use', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, {
      ...targetFakes(),
      ReadRetiredAmiUsers: () => ({
        Tags: [{ Key: 'immutable-servers:in-use-by:web-qa', Value: 'qa', ResourceId: EARLIER.amiId, ResourceType: 'image' }],
      }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.UntagRetiredAmi).toEqual([{ Resources: [EARLIER.amiId], Tags: [{ Key: IN_USE_BY_WEB_PROD }] }]);
    expect(execution.calls.UntagRetiredAmiShared).toBeUndefined();
    expect(execution.calls.DeregisterRetiredAmi).toBeUndefined();
    expect(execution.output).toMatchObject({ retiredAmi: { imageId: EARLIER.amiId, inUseTag: 'KEPT_IN_USE_ELSEWHERE' } });
  });

  test('given a retired AMI older than the lifecycle policy\'s deletion age, then the release deregisters it with its snapshots, as no lifecycle run reaches it', async () => {
    const old = createdAt(daysBefore(DELETION_AGE_DAYS + 3));
    const execution = await runRelease(retiring(), RELEASE, { ...targetFakes(), ReadRetiredAmiCreation: old });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.DeregisterRetiredAmi).toEqual([{ ImageId: EARLIER.amiId, DeleteAssociatedSnapshots: true }]);
    expect(execution.output).toMatchObject({ retiredAmi: { imageId: EARLIER.amiId, inUseTag: 'REMOVED', deregistered: true } });
  });

  test('given a retired AMI younger than the deletion age, or a recipe whose retention is a count, then it is left to the lifecycle policy', async () => {
    const young = await runRelease(retiring(), RELEASE, { ...targetFakes(), ReadRetiredAmiCreation: createdAt(daysBefore(DELETION_AGE_DAYS - 1)) });
    const counted = await runRelease(workflowDefinition(), RELEASE, { ...targetFakes(), ReadRetiredAmiCreation: createdAt(daysBefore(400)) });

    for (const execution of [young, counted]) {
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DeregisterRetiredAmi).toBeUndefined();
      expect(execution.output).toMatchObject({ retiredAmi: { inUseTag: 'REMOVED', deregistered: false } });
    }
  });

  test('given the ledger\'s previous release is the AMI released again, then nothing is retired', async () => {
    const labelled = { ReadRetiringVersion: labelledLedger(RELEASE), ReadRetiringAmi: labelledLedger(RELEASE) };
    const execution = await runRelease(workflowDefinition(), RELEASE, { ...targetFakes(), ...labelled });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.UntagRetiredAmi).toBeUndefined();
    expect(execution.output).toMatchObject({ retiredAmi: { imageId: RELEASE.amiId, inUseTag: 'KEPT_STILL_HELD' } });
  });

  test('given the first or second release (no previous-release label, or the placeholder under it), then nothing is retired', async () => {
    const notFound = () => { throw new TaskFailure('Ssm.ParameterVersionNotFoundException', 'Systems Manager could not find version previous-release'); };
    const first = await runRelease(workflowDefinition(), RELEASE, { ...targetFakes(), ReadLedger: ledgerHolding({ ...PREVIOUS, version: 'none' }), ReadRetiringVersion: notFound });
    const second = await runRelease(workflowDefinition(), RELEASE, { ...targetFakes(), ReadRetiringVersion: labelledLedger({ ...EARLIER, version: 'none' }) });

    for (const execution of [first, second]) {
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.ReadRetiringAmi).toBeUndefined();
      expect(execution.calls.UntagRetiredAmi).toBeUndefined();
      expect(execution.output).toMatchObject({ retiredAmi: { inUseTag: 'NOTHING_TO_RETIRE' } });
    }
  });

  test('given the retired AMI\'s tags cannot be removed, then the release still succeeds and its output says what to do by hand', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, {
      ...targetFakes(),
      UntagRetiredAmi: () => {
        throw new TaskFailure('Ec2.Ec2Exception', 'You are not authorized to perform this operation. (Service: Ec2, Status Code: 403, Error Code: UnauthorizedOperation)');
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    expect(execution.calls.UntagRetiredAmiShared).toBeUndefined();
    expect(execution.output).toMatchObject({
      retiredAmi: {
        imageId: EARLIER.amiId,
        inUseTag: 'NOT_REMOVED',
        cause: `Could not retire ${EARLIER.amiId}, which the ledger no longer holds: You are not authorized to perform this operation. `
          + `(Service: Ec2, Status Code: 403, Error Code: UnauthorizedOperation). Remove its in-use tags ${IN_USE_BY_WEB_PROD} and ${IN_USE_TAG_KEY} by hand `
          + '(and deregister it if its Image Builder image is gone).',
      },
    });
  });

  test('given a release that rolls back, then no AMI loses a tag', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({ statuses: ['UPDATE_ROLLBACK_COMPLETE'] }));

    expect(execution.status).toBe('FAILED');
    expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    expect(execution.calls.UntagRetiredAmi).toBeUndefined();
    expect(execution.calls.DeregisterRetiredAmi).toBeUndefined();
  });

  test('given a release of the AMI the environment already runs, then nothing is written, updated or untagged, and the output says so', async () => {
    const execution = await runRelease(workflowDefinition(), { ...RELEASE, amiId: PREVIOUS.amiId }, targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    for (const task of ['PutLedgerParameter', 'UpdateStack', 'TagAmi', 'UntagRetiredAmi', 'LabelCurrentReleaseVersion']) {
      expect(execution.calls[task]).toBeUndefined();
    }
    expect(execution.output).toEqual({
      environment: 'prod',
      amiId: PREVIOUS.amiId,
      version: PREVIOUS.version,
      commitId: PREVIOUS.commitId,
      outcome: 'ALREADY_RUNNING',
      reason: `Stack ${STACK} runs this AMI already, released as the version above: the ledger, the stack and its instances were left as they are.`,
      vulnerabilities: expect.objectContaining({ decision: 'NOT_GATED' }),
    });
  });
});

describe('inUseByTagKey', () => {
  test('given a stack name that fits, then the key is the prefix and the name', () => {
    expect(inUseByTagKey('web-prod')).toBe('immutable-servers:in-use-by:web-prod');
  });

  test('given stack names too long for a tag key, then each key has 128 characters and names differing only at the end keep distinct keys', () => {
    const long = 'web-'.repeat(31);
    const keys = [inUseByTagKey(`${long}prod`), inUseByTagKey(`${long}qa`)];

    expect(keys.map((key) => key.length)).toEqual([128, 128]);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[0].startsWith('immutable-servers:in-use-by:web-web-')).toBe(true);
  });
});
