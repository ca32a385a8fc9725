import { App, Duration, Stack, aws_autoscaling as autoscaling } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  COMMAND_ID, EVENT_ID, openTunnelEvent, sendCommandEvent, sendSerialConsoleSshPublicKeyEvent, sendSshPublicKeyEvent, startSessionEvent,
} from '../../../scripts/lib/cloudtrail-events';
import { LocalExecution, TaskFailure, TaskFake, runLocally, stateMachineDefinition, withJsonataPassStatesAsTasks } from '../../../scripts/lib/local-state-machine';
import { TAINTED_TAG_KEY } from '../../../src/private/access/taint-definition';
import { TaintOnAccess } from '../../../src/private/access/taint-on-access';

const GROUP = 'web-prod';
const OURS = ['i-0123456789abcdef0', 'i-0123456789abcdef1'];
const OTHER_GROUP = 'i-0fedcba9876543210';
const NO_GROUP = 'i-0aaaaaaaaaaaaaaaa';
/** Which group each instance of the fake account is in. */
const GROUPS: Record<string, string> = { [OURS[0]]: GROUP, [OURS[1]]: GROUP, [OTHER_GROUP]: 'api-prod' };

function workflowDefinition(gracePeriod = Duration.minutes(30)) {
  const stack = new Stack(new App(), 'Stack');
  new TaintOnAccess(stack, 'Taint', {
    autoScalingGroup: autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Group', GROUP),
    environmentName: 'prod',
    gracePeriod,
  });
  return stateMachineDefinition(Template.fromStack(stack).toJSON());
}
const DEFINITION = withJsonataPassStatesAsTasks(workflowDefinition());

/** DescribeAutoScalingInstances as Auto Scaling answers it: the records of the ids that are in a group. */
function describeInstances(groups: Record<string, string> = GROUPS, lifecycleState = 'InService'): TaskFake {
  return ({ InstanceIds }) => ({
    AutoScalingInstances: (InstanceIds as string[]).filter((id) => groups[id]).map((id) => ({
      InstanceId: id, AutoScalingGroupName: groups[id], LifecycleState: lifecycleState, HealthStatus: 'HEALTHY',
    })),
  });
}

/**
 * ListCommandInvocations answering each look with the next of `looks` (the last one repeats), as
 * Systems Manager lists invocations only once it has resolved a command's targets; a look that
 * lists some has `nextToken` when given.
 */
function invocationLooks(looks: string[][], nextToken?: string): TaskFake {
  let look = 0;
  return ({ CommandId }) => {
    const ids = looks[Math.min(look++, looks.length - 1)];
    return {
      CommandInvocations: ids.map((id) => ({ CommandId, InstanceId: id, Status: 'InProgress' })),
      ...nextToken && ids.length > 0 ? { NextToken: nextToken } : {},
    };
  };
}

const terminated: TaskFake = ({ InstanceId }) => ({ Activity: { ActivityId: `activity-${InstanceId}`, AutoScalingGroupName: GROUP, StatusCode: 'InProgress' } });

/** Runs the workflow on an event, every SDK task answered by the fakes of a well-behaved account unless overridden. */
function run(event: unknown, fakes: Record<string, TaskFake> = {}, definition = DEFINITION): Promise<LocalExecution> {
  return runLocally(definition.definition, event, {
    ...definition.fakes,
    DescribeTouched: describeInstances(),
    TagInstance: () => ({}),
    TerminateInstance: terminated,
    DescribeAfterFailure: describeInstances(),
    ListInvocations: invocationLooks([[]]),
    ListMoreInvocations: invocationLooks([[]]),
    DescribeEndpoint: () => ({ InstanceConnectEndpoints: [] }),
    DescribeTunnelTarget: () => ({ Reservations: [] }),
    ...fakes,
  });
}

const tagged = (execution: LocalExecution) => (execution.calls.TagInstance ?? []).map((call: any) => call.Resources[0]).sort();
const terminatedIds = (execution: LocalExecution) => (execution.calls.TerminateInstance ?? []).map((call: any) => call.InstanceId).sort();

describe('taint workflow runs', () => {
  describe('Session Manager', () => {
    test.each([
      ['no document (a shell)', undefined],
      ['port forwarding', 'AWS-StartPortForwardingSession'],
      ['port forwarding to a remote host', 'AWS-StartPortForwardingSessionToRemoteHost'],
      ['SSH', 'AWS-StartSSHSession'],
      ['an interactive command', 'AWS-StartInteractiveCommand'],
      ['the break-glass document', 'Web-prod-WebBreakGlassSessionDocumentA1B2C3D4-0A1B2C3D4E5F'],
    ])('given a session with %s on an instance of this group, then it is tagged with the event, and terminated without lowering the capacity', async (_case, documentName) => {
      const execution = await run(startSessionEvent(OURS[0], { documentName }));

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeTouched).toEqual([{ InstanceIds: [OURS[0]] }]);
      expect(execution.calls.TagInstance).toEqual([{ Resources: [OURS[0]], Tags: [{ Key: TAINTED_TAG_KEY, Value: `StartSession:${EVENT_ID}` }] }]);
      expect(execution.calls.TerminateInstance).toEqual([{ InstanceId: OURS[0], ShouldDecrementDesiredCapacity: false }]);
    });

    test('given a session on a managed node outside EC2, then nothing is described, tagged or terminated', async () => {
      const execution = await run(startSessionEvent('mi-0123456789abcdef0'));

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls).toEqual({ SessionTarget: expect.anything() });
    });
  });

  describe('Run Command', () => {
    test('given a command to named instances of several groups and a managed node, then each instance of this group is tainted and replaced, and only those', async () => {
      const execution = await run(sendCommandEvent({ instanceIds: [OURS[0], OTHER_GROUP, 'mi-0123456789abcdef0', NO_GROUP, OURS[1]] }));

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeTouched).toEqual([{ InstanceIds: [OURS[0], OTHER_GROUP, NO_GROUP, OURS[1]] }]);
      expect(tagged(execution)).toEqual(OURS);
      expect(terminatedIds(execution)).toEqual(OURS);
      expect(execution.calls.ListInvocations).toBeUndefined();
    });

    test.each([
      ['a tag', { key: 'tag:aws:autoscaling:groupName', values: [GROUP] }],
      ['a resource group', { key: 'resource-groups:Name', values: ['web'] }],
      ['instance ids', { key: 'InstanceIds', values: OURS }],
    ])('given a command to targets by %s, then the instances its invocations list, once Systems Manager has resolved them, are tainted and replaced', async (_case, target) => {
      const execution = await run(sendCommandEvent({ targets: [target] }), { ListInvocations: invocationLooks([[], [], [...OURS, OTHER_GROUP]]) });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.ListInvocations).toEqual([1, 2, 3].map(() => ({ CommandId: COMMAND_ID, MaxResults: 50 })));
      expect(tagged(execution)).toEqual(OURS);
      expect(terminatedIds(execution)).toEqual(OURS);
    });

    test('given a command whose invocations never reached some instances, then only the instances it may have reached are tainted', async () => {
      const invocation = (InstanceId: string, StatusDetails: string) => ({ CommandId: COMMAND_ID, InstanceId, Status: 'Failed', StatusDetails });
      const execution = await run(sendCommandEvent({ targets: [{ key: 'tag:team', values: ['web'] }] }), {
        ListInvocations: () => ({
          CommandInvocations: [
            invocation(OURS[0], 'Access Denied'), invocation(OURS[1], 'Undeliverable'), invocation(OTHER_GROUP, 'Terminated'),
            invocation(NO_GROUP, 'Delivery Timed Out'), invocation('i-0bbbbbbbbbbbbbbbb', 'Invalid Platform'),
          ],
        }),
      });
      const reached = await run(sendCommandEvent({ targets: [{ key: 'tag:team', values: ['web'] }] }), {
        ListInvocations: () => ({ CommandInvocations: [invocation(OURS[0], 'Pending'), invocation(OURS[1], 'Execution Timed Out')] }),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeTouched).toBeUndefined();
      expect(execution.calls.TagInstance).toBeUndefined();
      expect(tagged(reached)).toEqual(OURS);
    });

    test('given a command whose invocations fill several pages, then the instances of this group on every page are tainted and replaced', async () => {
      const execution = await run(sendCommandEvent({ targets: [{ key: 'tag:team', values: ['web'] }] }), {
        ListInvocations: invocationLooks([[OURS[0], OTHER_GROUP]], 'page-2'),
        ListMoreInvocations: invocationLooks([[OURS[1]]]),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.ListMoreInvocations).toEqual([{ CommandId: COMMAND_ID, MaxResults: 50, NextToken: 'page-2' }]);
      expect(execution.calls.DescribeTouched).toEqual([{ InstanceIds: [OURS[0], OTHER_GROUP] }, { InstanceIds: [OURS[1]] }]);
      expect(tagged(execution)).toEqual(OURS);
      expect(terminatedIds(execution)).toEqual(OURS);
    });

    test('given a command whose targets never resolve to an instance, then it looks six times and ends without tagging anything', async () => {
      const execution = await run(sendCommandEvent({ targets: [{ key: 'tag:team', values: ['nobody'] }] }));

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.ListInvocations).toHaveLength(6);
      expect(execution.calls.DescribeTouched).toBeUndefined();
      expect(execution.calls.TagInstance).toBeUndefined();
    });
  });

  describe('EC2 Instance Connect and the serial console', () => {
    test.each([
      ['an EC2 Instance Connect key', sendSshPublicKeyEvent(OURS[1]), 'SendSSHPublicKey'],
      ['a serial console key', sendSerialConsoleSshPublicKeyEvent(OURS[1]), 'SendSerialConsoleSSHPublicKey'],
    ])('given %s pushed to an instance of this group, then it is tainted and replaced', async (_case, event, eventName) => {
      const execution = await run(event);

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.TagInstance).toEqual([{ Resources: [OURS[1]], Tags: [{ Key: TAINTED_TAG_KEY, Value: `${eventName}:${EVENT_ID}` }] }]);
      expect(terminatedIds(execution)).toEqual([OURS[1]]);
    });

    test('given a tunnel through an endpoint to an address, then the instance with that address in the endpoint\'s VPC is tainted and replaced', async () => {
      const execution = await run(openTunnelEvent('eice-0123456789abcdef0', '10.0.1.17'), {
        DescribeEndpoint: () => ({ InstanceConnectEndpoints: [{ InstanceConnectEndpointId: 'eice-0123456789abcdef0', VpcId: 'vpc-0123456789abcdef0' }] }),
        DescribeTunnelTarget: () => ({ Reservations: [{ Instances: [{ InstanceId: OURS[0], PrivateIpAddress: '10.0.1.17' }] }] }),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeEndpoint).toEqual([{ InstanceConnectEndpointIds: ['eice-0123456789abcdef0'] }]);
      expect(execution.calls.DescribeTunnelTarget).toEqual([{
        Filters: [
          { Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] },
          { Name: 'network-interface.addresses.private-ip-address', Values: ['10.0.1.17'] },
        ],
      }]);
      expect(tagged(execution)).toEqual([OURS[0]]);
      expect(terminatedIds(execution)).toEqual([OURS[0]]);
    });

    test('given a tunnel to an address no instance has in the endpoint\'s VPC, then nothing is tagged or terminated', async () => {
      const execution = await run(openTunnelEvent('eice-0123456789abcdef0', '10.0.9.9'), {
        DescribeEndpoint: () => ({ InstanceConnectEndpoints: [{ VpcId: 'vpc-0123456789abcdef0' }] }),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeTouched).toBeUndefined();
      expect(execution.calls.TagInstance).toBeUndefined();
    });
  });

  describe('instances of other groups', () => {
    test.each([
      ['of another group', OTHER_GROUP],
      ['in no group', NO_GROUP],
    ])('given a session on an instance %s, then nothing is tagged or terminated', async (_case, instance) => {
      const execution = await run(startSessionEvent(instance));

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeTouched).toEqual([{ InstanceIds: [instance] }]);
      expect(execution.calls.TagInstance).toBeUndefined();
      expect(execution.calls.TerminateInstance).toBeUndefined();
    });
  });

  describe('replacement', () => {
    test('given a grace period of zero, then the instance is still tagged before it is terminated', async () => {
      const execution = await run(sendSshPublicKeyEvent(OURS[0]), {}, withJsonataPassStatesAsTasks(workflowDefinition(Duration.seconds(0))));

      expect(execution.status).toBe('SUCCEEDED');
      expect(Object.keys(execution.calls).filter((state) => ['TagInstance', 'TerminateInstance'].includes(state))).toEqual(['TagInstance', 'TerminateInstance']);
    });

    test.each([
      ['gone from every group', describeInstances({})],
      ['already terminating', describeInstances(GROUPS, 'Terminating:Wait')],
    ])('given an instance %s when it is to be terminated, then the execution succeeds', async (_case, afterFailure) => {
      const execution = await run(startSessionEvent(OURS[0]), {
        TerminateInstance: () => {
          throw new TaskFailure('AutoScaling.AutoScalingException', `Instance Id not found - No managed instance found for instance ID: ${OURS[0]}`);
        },
        DescribeAfterFailure: afterFailure,
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeAfterFailure).toEqual([{ InstanceIds: [OURS[0]] }]);
    });

    test('given one instance cannot be terminated while it is in service, then the others are still terminated and the execution fails naming it and why', async () => {
      const execution = await run(sendCommandEvent({ instanceIds: OURS }), {
        TerminateInstance: (request) => {
          if (request.InstanceId === OURS[0]) {
            throw new TaskFailure('AutoScaling.AutoScalingException', 'User is not authorized to perform: autoscaling:TerminateInstanceInAutoScalingGroup');
          }
          return terminated(request);
        },
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'TaintedInstanceNotReplaced' });
      expect(execution.cause).toContain(`Could not terminate tainted instance ${OURS[0]}, which is still in its Auto Scaling group`);
      expect(execution.cause).toContain('not authorized to perform: autoscaling:TerminateInstanceInAutoScalingGroup');
      expect(terminatedIds(execution)).toContain(OURS[1]);
    });

    test('given DescribeAutoScalingInstances is throttled, then it is retried and the instance is still replaced', async () => {
      const execution = await run(startSessionEvent(OURS[0]), { DescribeTouched: failing(2, throttled(), describeInstances()) });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeTouched).toHaveLength(3);
      expect(execution.calls.TerminateInstance).toHaveLength(1);
    });

    test('given DescribeAutoScalingInstances stays throttled, then the execution fails after five retries', async () => {
      const execution = await run(startSessionEvent(OURS[0]), { DescribeTouched: failing(Infinity, throttled(), describeInstances()) });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'AutoScaling.AutoScalingException' });
      expect(execution.calls.DescribeTouched).toHaveLength(6);
    });

    test('given termination is throttled, then it is retried rather than given up', async () => {
      const execution = await run(startSessionEvent(OURS[0]), { TerminateInstance: failing(1, throttled(), terminated) });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.TerminateInstance).toHaveLength(2);
      expect(execution.calls.DescribeAfterFailure).toBeUndefined();
    });

    test('given the tag cannot be written, then the instance is still terminated', async () => {
      const execution = await run(startSessionEvent(OURS[0]), {
        TagInstance: () => {
          throw new TaskFailure('Ec2.Ec2Exception', `InvalidInstanceID.NotFound: The instance ID '${OURS[0]}' does not exist`);
        },
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.TagInstance).toHaveLength(6);
      expect(execution.calls.TerminateInstance).toEqual([{ InstanceId: OURS[0], ShouldDecrementDesiredCapacity: false }]);
    });

    test('given an event without a CloudTrail id, then the tag names the call alone', async () => {
      const event = startSessionEvent(OURS[0]);
      const { eventID: _id, ...detail } = event.detail;
      const execution = await run({ ...event, detail });

      expect(execution.calls.TagInstance).toEqual([{ Resources: [OURS[0]], Tags: [{ Key: TAINTED_TAG_KEY, Value: 'StartSession' }] }]);
    });
  });

  test('given an event of another call than the rule matches, then the execution fails saying the rule and the workflow disagree', async () => {
    const event = startSessionEvent(OURS[0]);
    const execution = await run({ ...event, detail: { ...event.detail, eventName: 'ResumeSession' } });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'UnknownAccessEvent' });
    expect(execution.calls).toEqual({});
  });
});

/** Fails the first `times` calls with `error`, then answers as `then` does. */
function failing(times: number, error: TaskFailure, then: TaskFake): TaskFake {
  let failures = 0;
  return (input) => {
    if (failures < times) {
      failures += 1;
      throw error;
    }
    return then(input);
  };
}

const throttled = () => new TaskFailure('AutoScaling.AutoScalingException', 'Rate exceeded (Service: AutoScaling, Status Code: 400, Error Code: Throttling)');
