import { TaskFailure } from '../../../scripts/lib/local-state-machine';
import { IN_USE_TAG_KEY, inUseByTagKey } from '../../../src/private/shared/release-tags';
import {
  PREVIOUS, RELEASE, STACK, finalLedger, ledgerHolding, ledgerOf, runRelease, targetFakes, workflowDefinition,
} from '../../helpers/release-workflow';

const IN_USE_BY_WEB_PROD = `immutable-servers:in-use-by:${STACK}`;

describe('ReleaseWorkflow in-use tags', () => {
  test('given a release that replaces an AMI no other environment runs, then both in-use tags come off it and the lifecycle policy may retire it', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.TagAmi).toEqual([expect.objectContaining({ Tags: expect.arrayContaining([{ Key: IN_USE_BY_WEB_PROD, Value: 'prod' }]) })]);
    expect(execution.calls.UntagPreviousAmi).toEqual([{ Resources: [PREVIOUS.amiId], Tags: [{ Key: IN_USE_BY_WEB_PROD }] }]);
    expect(execution.calls.ReadPreviousAmiUsers).toEqual([{
      Filters: [{ Name: 'resource-id', Values: [PREVIOUS.amiId] }, { Name: 'key', Values: ['immutable-servers:in-use-by:*'] }],
    }]);
    expect(execution.calls.RetirePreviousAmi).toEqual([{ Resources: [PREVIOUS.amiId], Tags: [{ Key: IN_USE_TAG_KEY }] }]);
    expect(execution.output).toMatchObject({ previousAmi: { imageId: PREVIOUS.amiId, inUseTag: 'REMOVED' } });
  });

  test('given another environment in the account still runs the replaced AMI, then only this environment\'s tag comes off and the AMI stays in use', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, {
      ...targetFakes(),
      ReadPreviousAmiUsers: () => ({
        Tags: [{ Key: 'immutable-servers:in-use-by:web-qa', Value: 'qa', ResourceId: PREVIOUS.amiId, ResourceType: 'image' }],
      }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.UntagPreviousAmi).toEqual([{ Resources: [PREVIOUS.amiId], Tags: [{ Key: IN_USE_BY_WEB_PROD }] }]);
    expect(execution.calls.RetirePreviousAmi).toBeUndefined();
    expect(execution.output).toMatchObject({ previousAmi: { imageId: PREVIOUS.amiId, inUseTag: 'KEPT_IN_USE_ELSEWHERE' } });
  });

  test('given a release of the AMI the environment already runs, then no tag is removed', async () => {
    const execution = await runRelease(workflowDefinition(), { ...RELEASE, amiId: PREVIOUS.amiId }, targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.UntagPreviousAmi).toBeUndefined();
    expect(execution.calls.RetirePreviousAmi).toBeUndefined();
    expect(execution.output).toMatchObject({ previousAmi: { imageId: PREVIOUS.amiId, inUseTag: 'KEPT_SAME_AMI' } });
  });

  test('given the first release, then the placeholder AMI before it is left alone', async () => {
    const placeholder = { ...PREVIOUS, version: 'none' };
    const execution = await runRelease(workflowDefinition(), RELEASE, { ...targetFakes(), ReadLedger: ledgerHolding(placeholder) });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.UntagPreviousAmi).toBeUndefined();
    expect(execution.output).toMatchObject({ previousAmi: { imageId: PREVIOUS.amiId, inUseTag: 'NO_PREVIOUS_RELEASE' } });
  });

  test('given the replaced AMI\'s tags cannot be removed, then the release still succeeds and its output says what to remove by hand', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, {
      ...targetFakes(),
      UntagPreviousAmi: () => {
        throw new TaskFailure('Ec2.Ec2Exception', 'You are not authorized to perform this operation. (Service: Ec2, Status Code: 403, Error Code: UnauthorizedOperation)');
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    expect(execution.calls.RetirePreviousAmi).toBeUndefined();
    expect(execution.output).toMatchObject({
      previousAmi: {
        imageId: PREVIOUS.amiId,
        inUseTag: 'NOT_REMOVED',
        cause: `Could not remove the in-use tags ${IN_USE_BY_WEB_PROD} and ${IN_USE_TAG_KEY} from ${PREVIOUS.amiId}: You are not authorized to perform this operation. `
          + '(Service: Ec2, Status Code: 403, Error Code: UnauthorizedOperation). The image lifecycle policy keeps it until they are removed by hand.',
      },
    });
  });

  test('given a release that rolls back, then the AMI the environment still runs keeps its in-use tags', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({ statuses: ['UPDATE_ROLLBACK_COMPLETE'] }));

    expect(execution.status).toBe('FAILED');
    expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    expect(execution.calls.UntagPreviousAmi).toBeUndefined();
    expect(execution.calls.RetirePreviousAmi).toBeUndefined();
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
