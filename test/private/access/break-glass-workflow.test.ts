import { App, Duration, Stack, aws_logs as logs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TaskFailure, TaskFake, runLocally, stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { TAINTED_TAG_KEY, TaintWorkflow, TaintWorkflowProps } from '../../../src/private/access/break-glass-workflow';

const GROUP = 'web-prod';
const INSTANCE = 'i-0123456789abcdef0';
const SESSION = 'Operator-0a1b2c3d4e5f67890';

function workflowDefinition(props: Partial<TaintWorkflowProps> = {}) {
  const stack = new Stack(new App(), 'Stack');
  new TaintWorkflow(stack, 'Taint', {
    autoScalingGroupName: GROUP,
    autoScalingGroupArn: `arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:*:autoScalingGroupName/${GROUP}`,
    gracePeriod: Duration.minutes(30),
    logRetention: logs.RetentionDays.ONE_YEAR,
    ...props,
  });
  return stateMachineDefinition(Template.fromStack(stack).toJSON());
}

/** The CloudTrail event EventBridge delivers for a session that started, as CloudTrail records it. */
function startSessionEvent(target = INSTANCE, sessionId: string | null = SESSION) {
  return {
    'version': '0',
    'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'AWS API Call via CloudTrail',
    'source': 'aws.ssm',
    'account': '111111111111',
    'time': '2025-01-01T12:00:00Z',
    'region': 'eu-west-1',
    'resources': [],
    'detail': {
      eventSource: 'ssm.amazonaws.com',
      eventName: 'StartSession',
      requestParameters: { target },
      responseElements: sessionId === null ? null : {
        sessionId,
        tokenValue: 'Value hidden due to security reasons.',
        streamUrl: `wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/${sessionId}`,
      },
    },
  };
}

/** A DescribeAutoScalingInstances response, shaped like the API's, listing the instance in a group. */
function inGroup(group: string, lifecycleState = 'InService'): TaskFake {
  return () => ({ AutoScalingInstances: [{ InstanceId: INSTANCE, AutoScalingGroupName: group, LifecycleState: lifecycleState, HealthStatus: 'HEALTHY' }] });
}
const notInAnyGroup: TaskFake = () => ({ AutoScalingInstances: [] });
const terminated: TaskFake = () => ({ Activity: { ActivityId: 'activity-1', AutoScalingGroupName: GROUP, StatusCode: 'InProgress' } });

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
const instanceNotFound = () => new TaskFailure('AutoScaling.AutoScalingException',
  `Instance Id not found - No managed instance found for instance ID: ${INSTANCE} (Service: AutoScaling, Status Code: 400, Error Code: ValidationError)`);

describe('TaintWorkflow', () => {
  describe('definition', () => {
    test('given the default grace period, then it waits that long between tagging and terminating', () => {
      const states = workflowDefinition().States;

      expect(states.TagInstance.Next).toBe('WaitGracePeriod');
      expect(states.WaitGracePeriod).toEqual({ Type: 'Wait', Seconds: 1800, Next: 'TerminateInstance' });
    });

    test('given a grace period of zero, then the tagged instance is terminated without a Wait state', () => {
      const states = workflowDefinition({ gracePeriod: Duration.seconds(0) }).States;

      expect(states.TagInstance.Next).toBe('TerminateInstance');
      expect(Object.values<any>(states).filter((state) => state.Type === 'Wait')).toEqual([]);
    });

    test('given a grace period, then the execution times out 30 minutes after it', () => {
      expect(workflowDefinition({ gracePeriod: Duration.hours(2) }).TimeoutSeconds).toBe(2.5 * 3600);
    });

    test('given any task, then it is an SDK integration with a timeout, never a Lambda function', () => {
      const tasks = Object.values<any>(workflowDefinition().States).filter((state) => state.Type === 'Task');

      expect(tasks.map((task) => task.Resource)).toEqual(tasks.map(() => expect.stringMatching(/:states:::aws-sdk:(autoscaling|ec2):[a-zA-Z]+$/)));
      expect(tasks.map((task) => task.TimeoutSeconds)).toEqual(tasks.map(() => 60));
    });
  });

  describe('execution', () => {
    test('given a session on an instance of this group, then it is tagged with the session id, and terminated without lowering the capacity', async () => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: inGroup(GROUP),
        TagInstance: () => ({}),
        TerminateInstance: terminated,
        DescribeAfterFailure: inGroup(GROUP),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls).toEqual({
        DescribeInstance: [{ InstanceIds: [INSTANCE] }],
        TagInstance: [{ Resources: [INSTANCE], Tags: [{ Key: TAINTED_TAG_KEY, Value: SESSION }] }],
        TerminateInstance: [{ InstanceId: INSTANCE, ShouldDecrementDesiredCapacity: false }],
      });
    });

    test('given a session event without a session id, then the instance is tagged true', async () => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(INSTANCE, null), {
        DescribeInstance: inGroup(GROUP),
        TagInstance: () => ({}),
        TerminateInstance: terminated,
        DescribeAfterFailure: inGroup(GROUP),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.TagInstance).toEqual([{ Resources: [INSTANCE], Tags: [{ Key: TAINTED_TAG_KEY, Value: 'true' }] }]);
    });

    test.each([
      ['of another group', inGroup('api-prod')],
      ['in no group', notInAnyGroup],
    ])('given a session on an instance %s, then nothing is tagged or terminated', async (_case, describe) => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: describe,
        TagInstance: () => ({}),
        TerminateInstance: terminated,
        DescribeAfterFailure: describe,
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(Object.keys(execution.calls)).toEqual(['DescribeInstance']);
    });

    test.each([
      ['gone from every group', notInAnyGroup],
      ['already terminating', inGroup(GROUP, 'Terminating:Wait')],
    ])('given an instance %s when it is to be terminated, then the execution succeeds', async (_case, afterFailure) => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: inGroup(GROUP),
        TagInstance: () => ({}),
        TerminateInstance: () => {
          throw instanceNotFound();
        },
        DescribeAfterFailure: afterFailure,
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeAfterFailure).toEqual([{ InstanceIds: [INSTANCE] }]);
    });

    test('given termination fails while the instance is still in service, then the execution fails saying which instance and why', async () => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: inGroup(GROUP),
        TagInstance: () => ({}),
        TerminateInstance: () => {
          throw new TaskFailure('AutoScaling.AutoScalingException', 'User is not authorized to perform: autoscaling:TerminateInstanceInAutoScalingGroup');
        },
        DescribeAfterFailure: inGroup(GROUP),
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'TaintedInstanceNotReplaced' });
      expect(execution.cause).toContain(INSTANCE);
      expect(execution.cause).toContain('not authorized to perform: autoscaling:TerminateInstanceInAutoScalingGroup');
    });

    test('given DescribeAutoScalingInstances is throttled, then it is retried and the instance is still replaced', async () => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: failing(2, throttled(), inGroup(GROUP)),
        TagInstance: () => ({}),
        TerminateInstance: terminated,
        DescribeAfterFailure: inGroup(GROUP),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DescribeInstance).toHaveLength(3);
      expect(execution.calls.TerminateInstance).toHaveLength(1);
    });

    test('given DescribeAutoScalingInstances stays throttled, then the execution fails after five retries', async () => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: failing(Infinity, throttled(), notInAnyGroup),
        TagInstance: () => ({}),
        TerminateInstance: terminated,
        DescribeAfterFailure: notInAnyGroup,
      });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'AutoScaling.AutoScalingException' });
      expect(execution.calls.DescribeInstance).toHaveLength(6);
    });

    test('given termination is throttled, then it is retried rather than given up', async () => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: inGroup(GROUP),
        TagInstance: () => ({}),
        TerminateInstance: failing(1, throttled(), terminated),
        DescribeAfterFailure: inGroup(GROUP),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.TerminateInstance).toHaveLength(2);
      expect(execution.calls.DescribeAfterFailure).toBeUndefined();
    });

    test('given the tag cannot be written, then the instance is still terminated', async () => {
      const execution = await runLocally(workflowDefinition(), startSessionEvent(), {
        DescribeInstance: inGroup(GROUP),
        TagInstance: () => {
          throw new TaskFailure('Ec2.Ec2Exception', `The instance ID '${INSTANCE}' does not exist (Service: Ec2, Status Code: 400)`);
        },
        TerminateInstance: terminated,
        DescribeAfterFailure: inGroup(GROUP),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.TagInstance).toHaveLength(4);
      expect(execution.calls.TerminateInstance).toEqual([{ InstanceId: INSTANCE, ShouldDecrementDesiredCapacity: false }]);
    });
  });
});
