import { App, Duration, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TaskFailure, allStates } from '../../../scripts/lib/local-state-machine';
import { validateDefinition } from '../../../scripts/lib/state-machines';
import { ReleaseWorkflow, releaseRolePolicyStatements } from '../../../src/private/release/release-workflow';
import { IN_USE_TAG_KEY, RELEASE_TAG_KEYS } from '../../../src/private/shared/release-tags';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../../helpers/nag';
import {
  ACCOUNT, EARLIER, FIELDS, NAMES, PREVIOUS, REGION, RELEASE, RELEASE_ROLE, Release, STACK, STACK_ID, STACK_UPDATE, TARGET_ACCOUNT,
  cloudFormationError, failing, finalLedger, labelledLedger, ledgerHolding, ledgerOf, runRelease, stackUpdateExecution, target, targetFakes,
  throttled,
  workflowDefinition, workflowStack,
} from '../../helpers/release-workflow';

function stackEvent(token: string | undefined, logicalId: string, type: string, status: string, reason?: string, minute = 0) {
  return {
    StackId: STACK_ID,
    StackName: STACK,
    EventId: `${logicalId}-${status}-${minute}`,
    LogicalResourceId: logicalId,
    ResourceType: type,
    ResourceStatus: status,
    Timestamp: `2025-01-01T12:${String(minute).padStart(2, '0')}:00Z`,
    ...token === undefined ? {} : { ClientRequestToken: token },
    ...reason === undefined ? {} : { ResourceStatusReason: reason },
  };
}

const REFRESH_FAILED = 'Instance refresh failed: alarm web-prod-unhealthy-hosts went into ALARM.';

/** Newest first, as DescribeStackEvents lists them: this update's failures, then an older update's. */
function rolledBackEvents(token: string) {
  return [
    stackEvent(token, STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE', undefined, 40),
    stackEvent(token, 'AutoScalingGroup', 'AWS::AutoScaling::AutoScalingGroup', 'UPDATE_COMPLETE', undefined, 39),
    stackEvent(token, STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [AutoScalingGroup, Alarms].', 20),
    stackEvent(token, 'Alarms', 'AWS::CloudWatch::Alarm', 'UPDATE_FAILED', 'Resource update cancelled', 19),
    stackEvent(token, 'AutoScalingGroup', 'AWS::AutoScaling::AutoScalingGroup', 'UPDATE_FAILED', REFRESH_FAILED, 18),
    stackEvent(token, 'AutoScalingGroup', 'AWS::AutoScaling::AutoScalingGroup', 'UPDATE_IN_PROGRESS', undefined, 2),
    stackEvent(token, 'LaunchTemplate', 'AWS::EC2::LaunchTemplate', 'UPDATE_COMPLETE', undefined, 1),
    stackEvent(token, STACK, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated', 0),
    stackEvent('an-earlier-release', 'LaunchTemplate', 'AWS::EC2::LaunchTemplate', 'UPDATE_FAILED', 'An older failure', 0),
    stackEvent(undefined, 'Listener', 'AWS::ElasticLoadBalancingV2::Listener', 'CREATE_FAILED', 'A failure of the first deploy', 0),
  ];
}

const IN_USE_BY_WEB_PROD = `immutable-servers:in-use-by:${STACK}`;

const WHERE = `Look at the events of stack ${STACK} in the CloudFormation console of account ${ACCOUNT}, region ${REGION}, and at the instance refresh history of its Auto Scaling group.`;

describe('ReleaseWorkflow', () => {
  describe('execution', () => {
    test('given an update that completes, then the ledger names the release, the stack keeps its template and parameters, and the AMI is tagged in use', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes());

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.output).toEqual({
        environment: 'prod',
        amiId: RELEASE.amiId,
        version: RELEASE.version,
        commitId: RELEASE.commitId,
        outcome: 'RELEASED',
        previousAmi: { imageId: PREVIOUS.amiId },
        retiredAmi: { imageId: EARLIER.amiId, inUseTag: 'REMOVED', deregistered: false },
        // No vulnerability policy: the scan is reported, not judged.
        vulnerabilities: { policy: 'NONE', scan: 'NOT_SCANNED', reason: 'the release input names no scan of its image', decision: 'NOT_GATED' },
      });
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
      expect(execution.calls.ReadLedger).toEqual([{ Names: FIELDS.map((field) => NAMES[field]) }]);
      // The release sends the environment's stack update a token and nothing else: no template, no parameter.
      expect(execution.calls.UpdateStack).toEqual([{ StateMachineArn: STACK_UPDATE, Input: expect.any(String) }]);
      expect(JSON.parse((execution.calls.UpdateStack[0] as any).Input)).toEqual({ clientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(execution.calls.DescribeUpdate).toHaveLength(3);
      expect(execution.calls.TagAmi).toEqual([{
        Resources: [RELEASE.amiId],
        Tags: [
          { Key: IN_USE_TAG_KEY, Value: 'true' },
          { Key: IN_USE_BY_WEB_PROD, Value: 'prod' },
          { Key: RELEASE_TAG_KEYS.version, Value: RELEASE.version },
          { Key: RELEASE_TAG_KEYS.commitId, Value: RELEASE.commitId },
          { Key: RELEASE_TAG_KEYS.commitMessage, Value: RELEASE.commitMessage },
          { Key: RELEASE_TAG_KEYS.pipelineExecutionId, Value: RELEASE.pipelineExecutionId },
        ],
      }]);
      expect(execution.calls.CancelUpdate).toBeUndefined();
    });

    test('given the stack already runs the release ("No updates are to be performed"), then it succeeds without waiting and still tags the AMI', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({
        update: () => {
          throw cloudFormationError('No updates are to be performed.')();
        },
      }));

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.output).toMatchObject({ environment: 'prod', amiId: RELEASE.amiId, version: RELEASE.version, outcome: 'NO_CHANGE' });
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
      expect(execution.calls.DescribeUpdate).toBeUndefined();
      expect(execution.calls.TagAmi).toHaveLength(1);
      expect(execution.calls.UpdateStack).toHaveLength(1);
    });

    test('given the stack rolls back, then the ledger is restored and the error names the first resource that failed and why', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({
        statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
        events: rolledBackEvents,
      }));

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseRolledBack' });
      expect(execution.cause).toBe(`Stack ${STACK} did not take the release of ${RELEASE.amiId} (version ${RELEASE.version}) and is UPDATE_ROLLBACK_COMPLETE: `
        + `AutoScalingGroup (AWS::AutoScaling::AutoScalingGroup) failed first: ${REFRESH_FAILED} The ledger is restored to ${PREVIOUS.amiId} (version ${PREVIOUS.version}). ${WHERE}`);
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
      expect(execution.calls.RestoreLedgerParameter).toHaveLength(FIELDS.length);
      expect(execution.calls.TagAmi).toBeUndefined();
    });

    test('given the rollback itself fails, then the ledger is restored and the error says the stack is UPDATE_ROLLBACK_FAILED', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({
        statuses: ['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'],
        events: rolledBackEvents,
      }));

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseRolledBack' });
      expect(execution.cause).toContain('and is UPDATE_ROLLBACK_FAILED: AutoScalingGroup (AWS::AutoScaling::AutoScalingGroup) failed first');
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    });

    test('given a rollback whose events name no failed resource of this update, then the error still says where to look', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({
        statuses: ['UPDATE_ROLLBACK_COMPLETE'],
        events: (token) => rolledBackEvents(token).filter((event) => event.ResourceStatus !== 'UPDATE_FAILED'),
      }));

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseRolledBack' });
      expect(execution.cause).toBe(`Stack ${STACK} did not take the release of ${RELEASE.amiId} (version ${RELEASE.version}) and is UPDATE_ROLLBACK_COMPLETE; `
        + `none of its 100 newest events names the resource that failed. The ledger is restored to ${PREVIOUS.amiId} (version ${PREVIOUS.version}). ${WHERE}`);
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    });

    test('given an update still in progress at the timeout, then it is cancelled, the rollback awaited and the ledger restored', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({ statuses: ['UPDATE_IN_PROGRESS'] }));

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseTimedOut' });
      expect(execution.cause).toBe(`Stack ${STACK} did not finish updating within 1 hour, so the release of ${RELEASE.amiId} (version ${RELEASE.version}) was cancelled; `
        + `the stack is UPDATE_ROLLBACK_COMPLETE. The ledger is restored to ${PREVIOUS.amiId} (version ${PREVIOUS.version}). ${WHERE}`);
      expect(execution.calls.DescribeUpdate).toHaveLength(120);
      expect(execution.calls.CancelUpdate).toEqual([{ StackName: STACK }]);
      expect(execution.calls.DescribeRollback).toHaveLength(2);
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    });

    test('given a rollback that outlasts its own bound after the cancellation, then the release still ends timed out with the ledger restored', async () => {
      const execution = await runRelease(workflowDefinition({ timeout: Duration.minutes(5) }), RELEASE, targetFakes({
        statuses: ['UPDATE_IN_PROGRESS'],
        rollback: ['UPDATE_ROLLBACK_IN_PROGRESS'],
      }));

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseTimedOut' });
      expect(execution.cause).toContain('within 5 minutes');
      expect(execution.cause).toContain('the stack is UPDATE_ROLLBACK_IN_PROGRESS');
      expect(execution.calls.DescribeUpdate).toHaveLength(10);
      expect(execution.calls.DescribeRollback).toHaveLength(10);
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    });

    test('given an update that completes as it is cancelled, then the release succeeds and the ledger keeps it', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes({ statuses: ['UPDATE_IN_PROGRESS'], rollback: ['UPDATE_COMPLETE'] }),
        CancelUpdate: () => {
          throw cloudFormationError('CancelUpdateStack cannot be called from current stack status.')();
        },
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.output).toMatchObject({ outcome: 'RELEASED' });
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    });

    test('given CloudFormation refuses the update, then the ledger is restored and the error quotes CloudFormation', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({
        update: () => {
          throw cloudFormationError(`Stack:${STACK_ID} is in UPDATE_IN_PROGRESS state and can not be updated.`)();
        },
      }));

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseNotStarted' });
      expect(execution.cause).toContain(`CloudFormation did not start updating stack ${STACK}: Stack:${STACK_ID} is in UPDATE_IN_PROGRESS state and can not be updated.`);
      expect(execution.cause).toContain(`The ledger is restored to ${PREVIOUS.amiId} (version ${PREVIOUS.version}).`);
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    });

    test('given the release stack update cannot be started, then the ledger is restored and the error names it and quotes Step Functions', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes(),
        UpdateStack: () => {
          throw new TaskFailure('Sfn.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${STACK_UPDATE}'`);
        },
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseNotStarted' });
      expect(execution.cause).toContain(`Could not start the release stack update ${STACK_UPDATE} of stack ${STACK}: State Machine Does Not Exist`);
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
      expect(execution.calls.DescribeUpdate).toBeUndefined();
    });

    test('given a release stack update that times out before it calls CloudFormation, then the ledger is restored and the error says how it ended', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes(),
        UpdateStack: (input) => ({ ...stackUpdateExecution(input, () => ({})) as object, Status: 'TIMED_OUT', Output: undefined }),
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseNotStarted' });
      expect(execution.cause).toMatch(new RegExp(`The release stack update \\S+ of stack ${STACK} ended TIMED_OUT before it updated the stack`));
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    });

    test('given a stack that cannot be read, then nothing is written and the error says why', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes(),
        DescribeStack: () => {
          throw cloudFormationError(`Stack with id ${STACK} does not exist`)();
        },
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseNotStarted' });
      expect(execution.cause).toBe(`Could not read stack ${STACK} in account ${ACCOUNT}, region ${REGION}, so nothing was released: `
        + `Stack with id ${STACK} does not exist (Service: CloudFormation, Status Code: 400, Error Code: ValidationError, Request ID: 0f2c7a8e-1b2c-4d5e-8f90-123456789abc)`);
      expect(execution.calls.PutLedgerParameter).toBeUndefined();
    });

    test('given a ledger write that fails part way, then the whole ledger is restored and the stack is not updated', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes(),
        PutLedgerParameter: (input) => {
          if (input.Name === NAMES.commitId) {
            throw new TaskFailure('Ssm.SsmException', `User is not authorized to perform: ssm:PutParameter on resource ${input.Name}`);
          }
          return { Version: 8, Tier: 'Standard' };
        },
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseNotStarted' });
      expect(execution.cause).toContain(`Could not write the release ledger of stack ${STACK}, so the stack was not updated: User is not authorized`);
      expect(execution.calls.UpdateStack).toBeUndefined();
      expect(execution.calls.RestoreLedgerParameter).toHaveLength(FIELDS.length);
      expect(finalLedger(execution)).toEqual(ledgerOf(PREVIOUS));
    });

    test('given the stack status cannot be read while waiting, then the error says the ledger names the release and how to restore it', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes(),
        DescribeUpdate: () => {
          throw new TaskFailure('CloudFormation.CloudFormationException', 'Access denied (Service: CloudFormation, Status Code: 403)');
        },
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseStatusUnknown' });
      expect(execution.cause).toContain(`The ledger names this release; if the stack rolled back, release ${PREVIOUS.amiId} (version ${PREVIOUS.version}) again`);
      expect(execution.calls.DescribeUpdate).toHaveLength(6);
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    });

    test('given a ledger parameter that does not exist, then nothing is written and the error names the parameters', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, { ...targetFakes(), ReadLedger: ledgerHolding(PREVIOUS, [NAMES.version]) });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'LedgerNotFound' });
      expect(execution.cause).toContain(NAMES.version);
      expect(execution.calls.PutLedgerParameter).toBeUndefined();
      expect(execution.calls.UpdateStack).toBeUndefined();
    });

    test('given a ledger that cannot be restored, then the error says which values to put back by hand', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes({ statuses: ['UPDATE_ROLLBACK_COMPLETE'], events: rolledBackEvents }),
        RestoreLedgerParameter: () => {
          throw new TaskFailure('Ssm.SsmException', 'User is not authorized to perform: ssm:PutParameter');
        },
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'LedgerNotRestored' });
      expect(execution.cause).toContain('failed first');
      expect(execution.cause).toContain(`put the previous release back by hand: ${NAMES.amiId}=${PREVIOUS.amiId}, ${NAMES.version}=${PREVIOUS.version}`);
      // The first restore is tried six times (the local runner may start further iterations meanwhile).
      expect(execution.calls.RestoreLedgerParameter.slice(0, 6))
        .toEqual(Array(6).fill(expect.objectContaining({ Name: NAMES.amiId, Value: PREVIOUS.amiId })));
      expect(finalLedger(execution, ['RestoreLedgerParameter'])).toEqual(ledgerOf(RELEASE));
    });

    test('given the AMI cannot be tagged, then the release fails saying the AMI is unprotected, and the ledger keeps the release', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...targetFakes(),
        TagAmi: () => {
          throw new TaskFailure('Ec2.Ec2Exception', `The image id '[${RELEASE.amiId}]' does not exist (Service: Ec2, Status Code: 400)`);
        },
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'AmiNotTagged' });
      expect(execution.cause).toContain(`could not be tagged ${IN_USE_TAG_KEY}=true in account ${ACCOUNT}, region ${REGION}`);
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    });

    test('given throttled calls to every service, then each is retried and the release succeeds', async () => {
      const fakes = targetFakes();
      const execution = await runRelease(workflowDefinition(), RELEASE, {
        ...fakes,
        ReadLedger: failing(2, throttled('Ssm', 'SsmException'), fakes.ReadLedger),
        PutLedgerParameter: failing(1, throttled('Ssm', 'SsmException'), fakes.PutLedgerParameter),
        UpdateStack: failing(1, throttled('Sfn', 'SfnException'), fakes.UpdateStack),
        DescribeUpdate: failing(3, throttled('CloudFormation', 'CloudFormationException'), fakes.DescribeUpdate),
        TagAmi: failing(4, throttled('Ec2', 'Ec2Exception'), fakes.TagAmi),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.ReadLedger).toHaveLength(3);
      expect(execution.calls.PutLedgerParameter).toHaveLength(FIELDS.length + 1);
      expect(execution.calls.UpdateStack).toHaveLength(2);
      expect(execution.calls.TagAmi).toHaveLength(5);
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    });

    test('given a commit message over 256 characters, then the ledger and the AMI tag hold its first 256', async () => {
      const message = `${'Refactor the router. '.repeat(15)}Tail that does not fit`;
      const execution = await runRelease(workflowDefinition(), { ...RELEASE, commitMessage: message }, targetFakes());

      expect(execution.status).toBe('SUCCEEDED');
      expect(finalLedger(execution)[NAMES.commitMessage]).toBe(message.slice(0, 256));
      expect((execution.calls.TagAmi[0] as any).Tags).toContainEqual({ Key: RELEASE_TAG_KEYS.commitMessage, Value: message.slice(0, 256) });
    });

    test('given a release manifest, then the AMI of the target\'s account and region is released', async () => {
      const { amiId, ...metadata } = RELEASE;
      const images = { [`${TARGET_ACCOUNT}/${REGION}`]: 'ami-0aaaaaaaaaaaaaaaa', [`${ACCOUNT}/${REGION}`]: amiId, [`${ACCOUNT}/us-east-1`]: 'ami-0bbbbbbbbbbbbbbbb' };
      const execution = await runRelease(workflowDefinition(), { ...metadata, images }, targetFakes());

      expect(execution.status).toBe('SUCCEEDED');
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    });

    test('given a release manifest without the target\'s account and region, then nothing is read or written and the error names the key', async () => {
      const { amiId, ...metadata } = RELEASE;
      const execution = await runRelease(workflowDefinition(), { ...metadata, images: { [`${ACCOUNT}/us-east-1`]: amiId } }, targetFakes());

      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('ImageNotInManifest');
      expect(execution.cause).toContain(`"${ACCOUNT}/${REGION}"`);
      // Only the local evaluation of the JSONata state that looks the AMI up.
      expect(Object.keys(execution.calls)).toEqual(['PrepareRelease']);
    });

    describe('given a manifest with an AMI per architecture', () => {
      const { amiId, ...metadata } = RELEASE;
      const images = { [`${ACCOUNT}/${REGION}/x86_64`]: 'ami-0aaaaaaaaaaaaaaaa', [`${ACCOUNT}/${REGION}/arm64`]: amiId };

      test('given an arm64 target, then the arm64 AMI of its account and region is released', async () => {
        const definition = workflowDefinition({ target: target({ architecture: ec2.InstanceArchitecture.ARM_64 }) });
        const execution = await runRelease(definition, { ...metadata, images }, targetFakes());

        expect(execution.status).toBe('SUCCEEDED');
        expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
      });

      test('given a target of known architecture and a manifest with one AMI per account and region, then that AMI is released', async () => {
        const definition = workflowDefinition({ target: target({ architecture: ec2.InstanceArchitecture.ARM_64 }) });
        const execution = await runRelease(definition, { ...metadata, images: { [`${ACCOUNT}/${REGION}`]: amiId } }, targetFakes());

        expect(execution.status).toBe('SUCCEEDED');
        expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
      });

      test('given a target of unknown architecture, then it releases the only AMI of its place, and refuses to choose between two', async () => {
        const single = await runRelease(workflowDefinition(), { ...metadata, images: { [`${ACCOUNT}/${REGION}/arm64`]: amiId } }, targetFakes());
        expect(single.status).toBe('SUCCEEDED');
        expect(finalLedger(single)).toEqual(ledgerOf(RELEASE));

        const ambiguous = await runRelease(workflowDefinition(), { ...metadata, images }, targetFakes());
        expect(ambiguous).toMatchObject({ status: 'FAILED', error: 'ImageNotInManifest' });
        expect(ambiguous.cause).toContain(`a single key "${ACCOUNT}/${REGION}/<architecture>"`);
        expect(Object.keys(ambiguous.calls)).toEqual(['PrepareRelease']);
      });

      test('given a bake\'s manifest, then the ledger holds its content hash and the fingerprint of the target\'s architecture\'s build, which the instances carry', async () => {
        const { fingerprint, ...bakeOutput } = metadata;
        const builds = [
          { architecture: 'x86_64', fingerprint: 'e1'.repeat(32), reused: true },
          { architecture: 'arm64', fingerprint, reused: false },
        ];
        const definition = workflowDefinition({ target: target({ architecture: ec2.InstanceArchitecture.ARM_64 }) });
        const execution = await runRelease(definition, { ...bakeOutput, images, builds }, targetFakes());

        expect(execution.status).toBe('SUCCEEDED');
        expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
      });

      test('given a bake\'s manifest and an AMI given by hand that is not the manifest\'s, then the ledger holds no fingerprint: the build\'s is of another image', async () => {
        const { fingerprint, amiId: _manifestAmi, ...bakeOutput } = RELEASE;
        const builds = [{ architecture: 'arm64', fingerprint, reused: false }];
        const definition = workflowDefinition({ target: target({ architecture: ec2.InstanceArchitecture.ARM_64 }) });
        const execution = await runRelease(definition, { ...bakeOutput, images, builds, amiId: 'ami-0bbbbbbbbbbbbbbbb' }, targetFakes());

        expect(execution.status).toBe('SUCCEEDED');
        expect(finalLedger(execution)).toEqual({ ...ledgerOf(RELEASE), [NAMES.amiId]: 'ami-0bbbbbbbbbbbbbbbb', [NAMES.fingerprint]: 'none' });
      });

      test('given an arm64 target and a manifest without its architecture, then nothing is released and the error names both keys', async () => {
        const definition = workflowDefinition({ target: target({ architecture: ec2.InstanceArchitecture.ARM_64 }) });
        const execution = await runRelease(definition, { ...metadata, images: { [`${ACCOUNT}/${REGION}/x86_64`]: amiId } }, targetFakes());

        expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageNotInManifest' });
        expect(execution.cause).toContain(`"${ACCOUNT}/${REGION}/arm64" or "${ACCOUNT}/${REGION}"`);
      });
    });

    test('given a release that names no content hash or fingerprint (an AMI of your own), then the ledger holds none for them', async () => {
      const { contentHash: _contentHash, fingerprint: _fingerprint, ...named } = RELEASE;
      const execution = await runRelease(workflowDefinition(), named, targetFakes());

      expect(execution.status).toBe('SUCCEEDED');
      expect(finalLedger(execution)).toEqual(ledgerOf({ ...RELEASE, contentHash: 'none', fingerprint: 'none' }));
    });

    test('given a release that succeeds, then the versions it wrote are labelled current-release and those it replaced previous-release', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes());

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.LabelPreviousReleaseVersion).toEqual(FIELDS.map((field) => ({ Name: NAMES[field], ParameterVersion: 7, Labels: ['previous-release'] })));
      expect(execution.calls.LabelCurrentReleaseVersion).toEqual(FIELDS.map((field) => ({ Name: NAMES[field], ParameterVersion: 8, Labels: ['current-release'] })));
    });

    test('given a release that fails, then no version is labelled', async () => {
      const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes({ statuses: ['UPDATE_ROLLBACK_COMPLETE'] }));

      expect(execution.status).toBe('FAILED');
      expect(execution.calls.LabelPreviousReleaseVersion).toBeUndefined();
      expect(execution.calls.LabelCurrentReleaseVersion).toBeUndefined();
    });

    test('given "returnToPreviousRelease", then the ledger\'s previous-release versions are released again, with no AMI given and nothing rebuilt', async () => {
      // The ledger runs RELEASE and labels PREVIOUS previous-release.
      const fakes = {
        ...targetFakes(),
        ReadLedger: ledgerHolding(RELEASE),
        ReadRetiringVersion: labelledLedger(PREVIOUS),
        ReadRetiringAmi: labelledLedger(PREVIOUS),
      };
      const execution = await runRelease(workflowDefinition(), { returnToPreviousRelease: true }, fakes);

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.ReadPreviousReleaseParameter).toEqual(FIELDS.map((field) => ({ Name: `${NAMES[field]}:previous-release` })));
      expect(execution.calls.PutLedgerParameter.map((put: any) => [put.Name, put.Value])).toEqual(Object.entries(ledgerOf(PREVIOUS)));
      expect(execution.calls.UpdateStack).toHaveLength(1);
      // The AMI returned from becomes the previous release: both stay held, nothing is retired.
      expect(execution.output).toEqual({
        environment: 'prod',
        amiId: PREVIOUS.amiId,
        version: PREVIOUS.version,
        commitId: PREVIOUS.commitId,
        outcome: 'RELEASED',
        previousAmi: { imageId: RELEASE.amiId },
        retiredAmi: { imageId: PREVIOUS.amiId, inUseTag: 'KEPT_STILL_HELD' },
        vulnerabilities: { policy: 'NONE', decision: 'NOT_JUDGED_RETURN' },
      });
      expect(execution.calls.UntagRetiredAmi).toBeUndefined();
    });

    test('given "returnToPreviousRelease" and no version labelled previous-release, then nothing is written and the error says so', async () => {
      const notFound = () => { throw new TaskFailure('Ssm.ParameterVersionNotFoundException', 'Systems Manager could not find version previous-release'); };
      const fakes = { ...targetFakes(), ReadPreviousReleaseParameter: notFound };
      const execution = await runRelease(workflowDefinition(), { returnToPreviousRelease: true }, fakes);

      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('NoPreviousRelease');
      expect(execution.cause).toContain(`labels no release before the current one (${NAMES.amiId}:previous-release): nothing was changed`);
      expect(execution.calls.PutLedgerParameter).toBeUndefined();
      expect(execution.calls.UpdateStack).toBeUndefined();
    });

    test('given "returnToPreviousRelease" right after the first release, then the placeholder before it is not released', async () => {
      const placeholder: Release = {
        amiId: 'ami-0aaaaaaaaaaaaaaaa', version: 'none', commitId: 'none', commitMessage: 'none', pipelineExecutionId: 'none', contentHash: 'none', fingerprint: 'none',
      };
      const fakes = { ...targetFakes(), ReadPreviousReleaseParameter: labelledLedger(placeholder) };
      const execution = await runRelease(workflowDefinition(), { returnToPreviousRelease: true }, fakes);

      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('NoPreviousRelease');
      expect(execution.calls.PutLedgerParameter).toBeUndefined();
    });

    test('given the versions cannot be labelled, then the release fails saying so, and the ledger keeps the release', async () => {
      const denied = () => { throw new TaskFailure('Ssm.SsmException', 'not authorized to perform ssm:LabelParameterVersion'); };
      const execution = await runRelease(workflowDefinition(), RELEASE, { ...targetFakes(), LabelCurrentReleaseVersion: denied });

      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('LedgerNotLabelled');
      expect(execution.cause).toContain(`runs ${RELEASE.amiId} (version ${RELEASE.version}) and the ledger names it`);
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    });

    test('given a release role, then the release runs the same and the ledger names the release', async () => {
      const definition = workflowDefinition({ releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) });
      const execution = await runRelease(definition, RELEASE, targetFakes());

      expect(execution.status).toBe('SUCCEEDED');
      expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    });
  });

  describe('definition', () => {
    test('given a release role, then every task calls the target with its credentials', () => {
      const tasks = allStates(workflowDefinition({ releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) }))
        .filter(([, state]) => state.Type === 'Task');

      expect(tasks.map(([name]) => name).sort()).toEqual(['CancelUpdate', 'DeregisterRetiredAmi', 'DescribeRollback', 'DescribeStack', 'DescribeStackEvents', 'DescribeUpdate', 'GrantImageKey', 'LabelCurrentReleaseVersion',
        'LabelPreviousReleaseVersion', 'PutLedgerParameter', 'ReadImageSnapshotKeys', 'ReadImageSnapshots', 'ReadLedger',
        'ReadPreviousReleaseParameter', 'ReadRetiredAmiCreation', 'ReadRetiredAmiUsers', 'ReadRetiringAmi', 'ReadRetiringVersion',
        'RestoreLedgerParameter', 'TagAmi', 'UntagRetiredAmi', 'UntagRetiredAmiShared', 'UpdateStack']);
      expect(tasks.map(([, task]) => task.Credentials)).toEqual(tasks.map(() => ({ RoleArn: RELEASE_ROLE })));
    });

    test('given no release role, then no task names credentials', () => {
      const tasks = allStates(workflowDefinition()).filter(([, state]) => state.Type === 'Task');

      expect(tasks.filter(([, task]) => task.Credentials !== undefined)).toEqual([]);
    });

    test('given any task, then it is an SDK integration with a timeout and a retry on throttling', () => {
      const tasks = allStates(workflowDefinition()).filter(([, state]) => state.Type === 'Task').map(([, task]) => task);

      expect(tasks.map((task) => task.Resource)).toEqual(tasks.map(() => expect.stringMatching(/:states:::aws-sdk:(cloudformation|ssm|ec2|kms|sfn):[a-zA-Z]+$/)));
      expect(tasks.map((task) => task.TimeoutSeconds)).toEqual(tasks.map(() => 60));
      expect(tasks.map((task) => task.Retry[0].ErrorEquals)).toEqual(tasks.map(() => expect.arrayContaining([expect.stringMatching(/^(CloudFormation|Ssm|Ec2|Kms|Sfn)\./)])));
    });

    test.each([
      [Duration.minutes(60), 30, 120, 2.5 * 3600],
      [Duration.hours(36), 180, 720, 72.5 * 3600],
    ])('given a timeout of %s, then it polls every %i seconds at most %i times, and the execution is bounded', (timeout, seconds, polls, executionSeconds) => {
      const definition = workflowDefinition({ timeout });

      expect(definition.States.WaitForUpdate.Seconds).toBe(seconds);
      expect(definition.States['UpdateDone?'].Choices[1].And[1]).toEqual({ Variable: '$.wait.polls', NumericGreaterThanEquals: polls });
      expect(definition.States['RollbackDone?'].Choices[1].And[1]).toEqual({ Variable: '$.wait.polls', NumericGreaterThanEquals: polls });
      expect(definition.TimeoutSeconds).toBe(executionSeconds);
    });

    test.each([
      ['without', {}],
      ['with', { releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) }],
    ])('given a workflow %s a release role, then asl-validator finds nothing wrong', (_case, props) => {
      expect(validateDefinition(workflowDefinition(props))).toEqual([]);
    });
  });

  describe('permissions', () => {
    test('given a target in the workflow\'s account, then the role may start that stack\'s release update (not update it), write that ledger and tag AMIs in use, and nothing else', () => {
      const template = Template.fromStack(workflowStack().stack);

      expect(policyStatements(template)).toEqual([
        {
          Effect: 'Allow',
          Action: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:CancelUpdateStack'],
          Resource: `arn:<AWS::Partition>:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/*`,
        },
        { Effect: 'Allow', Action: 'states:StartSyncExecution', Resource: STACK_UPDATE },
        {
          Effect: 'Allow',
          Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter', 'ssm:LabelParameterVersion'],
          Resource: FIELDS.map((field) => `arn:<AWS::Partition>:ssm:${REGION}:${ACCOUNT}:parameter${NAMES[field]}`),
        },
        {
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: `arn:<AWS::Partition>:ec2:${REGION}::image/*`,
          Condition: {
            'StringEquals': { [`aws:RequestTag/${IN_USE_TAG_KEY}`]: 'true' },
            'ForAllValues:StringEquals': {
              'aws:TagKeys': [IN_USE_TAG_KEY, IN_USE_BY_WEB_PROD, RELEASE_TAG_KEYS.version, RELEASE_TAG_KEYS.commitId, RELEASE_TAG_KEYS.commitMessage,
                RELEASE_TAG_KEYS.pipelineExecutionId],
            },
          },
        },
        {
          Effect: 'Allow',
          Action: 'ec2:DeleteTags',
          Resource: `arn:<AWS::Partition>:ec2:${REGION}::image/*`,
          Condition: {
            'StringEquals': { 'aws:ResourceTag/immutable-servers:application': 'web' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [IN_USE_BY_WEB_PROD, IN_USE_TAG_KEY] },
            'Null': { 'aws:TagKeys': 'false' },
          },
        },
        {
          Effect: 'Allow',
          Action: 'ec2:DeregisterImage',
          Resource: `arn:<AWS::Partition>:ec2:${REGION}::image/*`,
          Condition: {
            StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder', 'aws:ResourceTag/immutable-servers:application': 'web' },
            Null: { [`aws:ResourceTag/${IN_USE_TAG_KEY}`]: 'true' },
          },
        },
        {
          Effect: 'Allow',
          Action: 'ec2:DeleteSnapshot',
          Resource: `arn:<AWS::Partition>:ec2:${REGION}::snapshot/*`,
          Condition: { StringEquals: { 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' } },
        },
        { Effect: 'Allow', Action: ['ec2:DescribeTags', 'ec2:DescribeImages', 'ec2:DescribeSnapshots'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'kms:CreateGrant',
          Resource: `arn:<AWS::Partition>:kms:${REGION}:*:key/*`,
          Condition: {
            'StringEquals': { 'kms:GranteePrincipal': `arn:<AWS::Partition>:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling` },
            'ForAllValues:StringEquals': {
              'kms:GrantOperations': ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'],
            },
          },
        },
        expect.objectContaining({ Action: expect.arrayContaining(['logs:CreateLogDelivery', 'xray:PutTraceSegments']), Resource: '*' }),
      ]);
    });

    test('given a release role, then the workflow\'s role may only assume it, and the target-side statements are for that role', () => {
      const template = Template.fromStack(workflowStack({ releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) }).stack);
      const stack = new Stack(new App(), 'Target', { env: { account: TARGET_ACCOUNT, region: REGION } });

      expect(policyStatements(template)).toEqual([
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: RELEASE_ROLE },
        expect.objectContaining({ Action: expect.arrayContaining(['logs:CreateLogDelivery']), Resource: '*' }),
      ]);
      const statements = releaseRolePolicyStatements(stack, target({ account: TARGET_ACCOUNT }));
      expect(statements.map((statement) => stack.resolve(statement.toStatementJson()).Resource)).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudformation:${REGION}:${TARGET_ACCOUNT}:stack/${STACK}/*`]] },
        STACK_UPDATE,
        expect.arrayContaining([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:${REGION}:${TARGET_ACCOUNT}:parameter${NAMES.amiId}`]] }]),
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}::image/*`]] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}::image/*`]] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}::image/*`]] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}::snapshot/*`]] },
        '*',
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${REGION}:*:key/*`]] },
      ]);
    });

    test.each([
      ['without', {}],
      ['with', { releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) }],
    ])('given a workflow %s a release role, then cdk-nag finds nothing, and every acknowledgement says why', (_case, props) => {
      const { app } = workflowStack(props);

      expect(awsSolutionsFindings(app)).toEqual([]);
      expect(nagAcknowledgements(app).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
    });
  });

  describe('bad input', () => {
    test('given a target in another account and no release role, then synthesis fails naming the target account', () => {
      expect(() => workflowStack({ target: target({ account: TARGET_ACCOUNT }) }))
        .toThrow(`Target account ${TARGET_ACCOUNT} of stack ${STACK} (account ${TARGET_ACCOUNT}, region ${REGION}) is not the release workflow's account ${ACCOUNT}: give a releaseRoleArn in account ${TARGET_ACCOUNT}`);
    });

    test('given a target and a workflow both environment-agnostic, then they share an account and no release role is needed', () => {
      const stack = new Stack(new App(), 'Pipeline');

      expect(() => new ReleaseWorkflow(stack, 'Release', { environmentName: 'prod', target: target({ account: stack.account, region: stack.region }) }))
        .not.toThrow();
    });

    test('given a target in another region, then synthesis fails even with a release role, as SDK integrations cannot call another region', () => {
      expect(() => workflowStack({ releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT, region: 'us-east-1' }) }))
        .toThrow(/must be in the region of stack web-prod \(account 222222222222, region us-east-1\), but its stack is in region eu-west-1/);
    });

    test('given a release role in another account than the target, then synthesis fails naming both accounts', () => {
      expect(() => workflowStack({ releaseRoleArn: 'arn:aws:iam::333333333333:role/release', target: target({ account: TARGET_ACCOUNT }) }))
        .toThrow(`releaseRoleArn arn:aws:iam::333333333333:role/release is in account 333333333333, not in target account ${TARGET_ACCOUNT}`);
    });

    test.each([
      [`arn:aws:iam::${TARGET_ACCOUNT}:user/release`, 'must be the ARN of an IAM role (arn:aws:iam::<12-digit account>:role/<name>)'],
      [`arn:aws:iam::${TARGET_ACCOUNT}:role/${'r'.repeat(65)}`, 'names a role of 65 characters, but IAM role names have at most 64'],
    ])('given the release role %s, which IAM would refuse, then synthesis fails naming it', (releaseRoleArn, message) => {
      expect(() => workflowStack({ releaseRoleArn, target: target({ account: TARGET_ACCOUNT }) }))
        .toThrow(`releaseRoleArn of stack ${STACK} (account ${TARGET_ACCOUNT}, region ${REGION}) ${message}`);
    });

    test.each([
      [Duration.minutes(4), '4 minutes'],
      [Duration.hours(37), '1 day 13 hours'],
    ])('given a timeout of %s, then synthesis fails naming it', (timeout, shown) => {
      expect(() => workflowStack({ timeout })).toThrow(`timeout must be between 5 minutes and 1 day 12 hours, got ${shown}`);
    });

    test.each([Duration.minutes(5), Duration.hours(36)])('given a timeout of %s, at a bound, then it is accepted', (timeout) => {
      expect(() => workflowStack({ timeout })).not.toThrow();
    });

    test('given an environment name with capitals, then synthesis fails naming it', () => {
      expect(() => workflowStack({ environmentName: 'Prod' })).toThrow("environmentName must be lowercase letters, digits and single '-' between them, got 'Prod'");
    });

    test('given a ledger parameter name with a quote, then synthesis fails naming it', () => {
      expect(() => workflowStack({ target: target({ versionParameterName: "/web/prod/it's" }) }))
        .toThrow("Ledger parameter names must be literal SSM parameter names (letters, digits, '_', '.', '-' and '/'), got '/web/prod/it's'");
    });
  });
});

/** The workflow role's policy statements, as cdk-nag would render their resources. */
function policyStatements(template: Template): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return JSON.parse(JSON.stringify(policies[0].Properties.PolicyDocument.Statement)
    .replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},"([^"]*)"\]\]\}/g, '"arn:<AWS::Partition>$1"'));
}
