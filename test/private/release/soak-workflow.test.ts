import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TaskFailure, TaskFake, runLocally, stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { validateDefinition } from '../../../scripts/lib/state-machines';
import { SOAK_RETRIED_ERRORS, SoakWorkflow, SoakWorkflowProps } from '../../../src/private/release/soak-workflow';
import { ReleaseTarget } from '../../../src/release-target';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../../helpers/nag';
import { ACCOUNT, REGION, RELEASE_ROLE, STACK, TARGET_ACCOUNT, target as releaseTarget } from '../../helpers/release-workflow';

const UNHEALTHY = 'web-prod-unhealthy-hosts';
const ERRORS = 'web-prod-5xx';
const REASON = 'Threshold Crossed: 1 datapoint [2.0 (01/01/25 12:03:00)] was greater than or equal to the threshold (1.0).';

/** The release helper's target, watched by two rollback alarms. */
function target(overrides: Partial<ReleaseTarget> = {}): ReleaseTarget {
  return releaseTarget({ alarmNames: [UNHEALTHY, ERRORS], ...overrides });
}

function soakStack(props: Partial<SoakWorkflowProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: { account: ACCOUNT, region: REGION } });
  const workflow = new SoakWorkflow(stack, 'Soak', { environmentName: 'prod', target: target(), soakPeriod: Duration.minutes(10), ...props });
  return { app, stack, workflow };
}

function soakDefinition(props: Partial<SoakWorkflowProps> = {}) {
  return stateMachineDefinition(Template.fromStack(soakStack(props).stack).toJSON());
}

function metricAlarm(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason = `Threshold Crossed: ${name} is ${state}`) {
  return {
    AlarmName: name,
    AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    StateValue: state,
    StateReason: reason,
    StateUpdatedTimestamp: '2025-01-01T12:03:00Z',
    EvaluationPeriods: 1,
    Period: 60,
  };
}

/** DescribeAlarms answering from a list of alarm states, one element per call (the last repeats). */
function alarmsIn(...answers: Array<Array<ReturnType<typeof metricAlarm>>>): TaskFake {
  return () => ({ MetricAlarms: answers.length > 1 ? answers.shift() : answers[0], CompositeAlarms: [] });
}

const ALL_OK = [metricAlarm(UNHEALTHY, 'OK'), metricAlarm(ERRORS, 'OK')];
const DESCRIBE_INPUT = { AlarmNames: [UNHEALTHY, ERRORS], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 };

describe('SoakWorkflow', () => {
  describe('executed locally', () => {
    test('given alarms that stay OK, then it checks once per interval and succeeds with the time soaked', async () => {
      // 10 minutes checked every 3 minutes: 4 checks, 12 minutes soaked.
      const definition = soakDefinition({ checkInterval: Duration.minutes(3) });
      const execution = await runLocally(definition, {}, { DescribeAlarms: alarmsIn(ALL_OK) });
      expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { environment: 'prod', soakedSeconds: 720, outcome: 'SOAKED' } });
      expect(execution.output).toEqual({ environment: 'prod', soakedSeconds: 720, outcome: 'SOAKED' });
      expect(execution.calls.DescribeAlarms).toEqual([DESCRIBE_INPUT, DESCRIBE_INPUT, DESCRIBE_INPUT, DESCRIBE_INPUT]);
    });

    test('given an alarm that goes into ALARM on the third check, then it fails with SoakAlarm naming it and its reason, and checks no more', async () => {
      const definition = soakDefinition();
      const alarming = [metricAlarm(UNHEALTHY, 'OK'), metricAlarm(ERRORS, 'ALARM', REASON)];
      const execution = await runLocally(definition, {}, { DescribeAlarms: alarmsIn(ALL_OK, ALL_OK, alarming) });
      expect(execution).toEqual({
        status: 'FAILED',
        error: 'SoakAlarm',
        cause: `Rollback alarms ["${ERRORS}"] went into ALARM during the soak of prod, at check 3 of 10, with reasons ${JSON.stringify([REASON])}. `
          + 'The release must not be promoted. '
          + `Look at the alarms in the CloudWatch console of account ${ACCOUNT}, region ${REGION}.`,
        calls: { DescribeAlarms: [DESCRIBE_INPUT, DESCRIBE_INPUT, DESCRIBE_INPUT] },
      });
    });

    test('given a composite alarm in ALARM, then it fails with SoakAlarm naming it', async () => {
      const definition = soakDefinition({ target: target({ alarmNames: [UNHEALTHY, 'web-prod-rollback'] }) });
      const execution = await runLocally(definition, {}, {
        DescribeAlarms: () => ({
          MetricAlarms: [metricAlarm(UNHEALTHY, 'OK')],
          CompositeAlarms: [{ AlarmName: 'web-prod-rollback', StateValue: 'ALARM', StateReason: 'arn:aws:cloudwatch:... transitioned to ALARM' }],
        }),
      });
      expect(execution.error).toBe('SoakAlarm');
      expect(execution.cause).toContain('Rollback alarms ["web-prod-rollback"] went into ALARM during the soak of prod, at check 1 of 10, with reasons ["arn:aws:cloudwatch:... transitioned to ALARM"]. ');
    });

    test('given a throttled DescribeAlarms, then it retries the call and the soak goes on', async () => {
      const definition = soakDefinition({ soakPeriod: Duration.minutes(2) });
      let calls = 0;
      const execution = await runLocally(definition, {}, {
        DescribeAlarms: () => {
          calls += 1;
          if (calls === 1) throw new TaskFailure('CloudWatch.CloudWatchException', 'Rate exceeded (Service: CloudWatch, Status Code: 400, Error Code: Throttling)');
          return { MetricAlarms: ALL_OK, CompositeAlarms: [] };
        },
      });
      expect(execution.output).toEqual({ environment: 'prod', soakedSeconds: 120, outcome: 'SOAKED' });
      expect(execution.calls.DescribeAlarms).toHaveLength(3);
    });

    test('given DescribeAlarms failing for another reason, then the execution fails with that error, unretried', async () => {
      const definition = soakDefinition();
      const execution = await runLocally(definition, {}, {
        DescribeAlarms: () => { throw new TaskFailure('CloudWatch.InvalidNextTokenException', 'bad token'); },
      });
      expect(execution).toMatchObject({ status: 'FAILED', error: 'CloudWatch.InvalidNextTokenException' });
      expect(execution.calls.DescribeAlarms).toHaveLength(1);
    });

    // INSUFFICIENT_DATA is OK: an alarm has no data in the soak's first minutes, or on a metric
    // the environment only emits under load (5xx count with no traffic); that is not evidence of a
    // bad release, and the rollback alarms treat missing data as not breaching anyway.
    test('given alarms in INSUFFICIENT_DATA, then they count as OK and the soak succeeds', async () => {
      const definition = soakDefinition({ soakPeriod: Duration.minutes(3) });
      const noData = [metricAlarm(UNHEALTHY, 'INSUFFICIENT_DATA'), metricAlarm(ERRORS, 'INSUFFICIENT_DATA')];
      const execution = await runLocally(definition, {}, { DescribeAlarms: alarmsIn(noData, [metricAlarm(UNHEALTHY, 'OK'), noData[1]]) });
      expect(execution.output).toEqual({ environment: 'prod', soakedSeconds: 180, outcome: 'SOAKED' });
      expect(execution.calls.DescribeAlarms).toHaveLength(3);
    });

    test('given an alarm DescribeAlarms does not return, then it fails with SoakAlarmNotFound', async () => {
      const definition = soakDefinition();
      const execution = await runLocally(definition, {}, { DescribeAlarms: alarmsIn([metricAlarm(UNHEALTHY, 'OK')]) });
      expect(execution).toEqual({
        status: 'FAILED',
        error: 'SoakAlarmNotFound',
        cause: `DescribeAlarms found 1 of the 2 rollback alarms of prod (${UNHEALTHY}, ${ERRORS}): a soak without its alarms proves nothing. `
          + `Look at the alarms in the CloudWatch console of account ${ACCOUNT}, region ${REGION}.`,
        calls: { DescribeAlarms: [DESCRIBE_INPUT] },
      });
    });
  });

  describe('definition', () => {
    test('is valid Amazon States Language, waits the interval, and retries only throttling', () => {
      const definition = soakDefinition({ checkInterval: Duration.seconds(90) });
      expect(validateDefinition(definition)).toEqual([]);
      expect(definition.States.WaitCheckInterval).toMatchObject({ Type: 'Wait', Seconds: 90 });
      expect(definition.States.DescribeAlarms).toMatchObject({
        Resource: 'arn:aws:states:::aws-sdk:cloudwatch:describeAlarms',
        TimeoutSeconds: 60,
        Retry: [{ ErrorEquals: SOAK_RETRIED_ERRORS, MaxAttempts: 5 }],
      });
    });

    test('given a release role, then DescribeAlarms runs with its credentials', () => {
      const definition = soakDefinition({ releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) });
      expect(definition.States.DescribeAlarms.Credentials).toEqual({ RoleArn: RELEASE_ROLE });
    });

    test('given a 7-day soak, then the default interval keeps the checks within an execution history', () => {
      const { workflow } = soakStack({ soakPeriod: Duration.days(7) });
      expect(workflow.checkInterval.toSeconds()).toBe(420);
      expect(workflow.checks).toBe(1440);
      expect(soakStack({ soakPeriod: Duration.hours(2) }).workflow.checkInterval.toSeconds()).toBe(60);
    });

    test('is a standard state machine with a timeout beyond the soak, execution logs and tracing', () => {
      const template = Template.fromStack(soakStack().stack);
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL' },
      });
      expect(stateMachineDefinition(template.toJSON()).TimeoutSeconds).toBe(600 + 3600);
    });
  });

  describe('role', () => {
    test('given no release role, then it may describe only the target\'s alarms', () => {
      const statements = policyStatements(Template.fromStack(soakStack().stack));
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'cloudwatch:DescribeAlarms',
        Resource: [UNHEALTHY, ERRORS].map((name) => `arn:<AWS::Partition>:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`),
      });
      expect(JSON.stringify(statements)).not.toContain('sts:AssumeRole');
    });

    test('given a release role, then it may only assume it, besides logging', () => {
      const { stack } = soakStack({ releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) });
      const statements = policyStatements(Template.fromStack(stack));
      expect(statements).toContainEqual({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: RELEASE_ROLE });
      expect(JSON.stringify(statements)).not.toContain('cloudwatch:');
      expect(statements).toHaveLength(2);
    });

    test.each([
      ['without', {}],
      ['with', { releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT }) }],
    ])('given a workflow %s a release role, then cdk-nag finds nothing, and every acknowledgement says why', (_case, props) => {
      const { app } = soakStack(props);
      expect(awsSolutionsFindings(app)).toEqual([]);
      const acknowledgements = nagAcknowledgements(app);
      expect(acknowledgements.map(({ rule }) => rule)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
      expect(acknowledgements.filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
    });
  });

  describe('bad input', () => {
    test.each([
      [Duration.seconds(59), '59 seconds'],
      [Duration.days(8), '8 days'],
    ])('given a soakPeriod of %s, then it is refused', (soakPeriod, shown) => {
      expect(() => soakStack({ soakPeriod })).toThrow(`soakPeriod must be between 1 minute and 7 days, got ${shown}`);
    });

    test.each([Duration.minutes(1), Duration.days(7)])('given a soakPeriod of %s, then it is accepted', (soakPeriod) => {
      expect(() => soakStack({ soakPeriod })).not.toThrow();
    });

    test('given a soak shorter than the alarms\' evaluation period, then it is refused', () => {
      expect(() => soakStack({ soakPeriod: Duration.minutes(10), minimumSoak: Duration.minutes(15) }))
        .toThrow("soakPeriod 10 minutes of environment prod is shorter than its alarms' evaluation period 15 minutes: the alarms could not go into ALARM before the soak ends");
      expect(() => soakStack({ soakPeriod: Duration.minutes(15), minimumSoak: Duration.minutes(15) })).not.toThrow();
    });

    test('given a target in another account and no release role, then it is refused', () => {
      expect(() => soakStack({ target: target({ account: TARGET_ACCOUNT }) }))
        .toThrow(`Target account ${TARGET_ACCOUNT} of stack ${STACK} (account ${TARGET_ACCOUNT}, region ${REGION}) is not the soak workflow's account ${ACCOUNT}: give a releaseRoleArn in account ${TARGET_ACCOUNT}`);
    });

    test('given a target in another region, then it is refused', () => {
      expect(() => soakStack({ releaseRoleArn: RELEASE_ROLE, target: target({ account: TARGET_ACCOUNT, region: 'us-east-1' }) }))
        .toThrow(/must be in the region of stack web-prod \(account 222222222222, region us-east-1\), but its stack is in region eu-west-1/);
    });

    test('given a release role in yet another account, then it is refused', () => {
      expect(() => soakStack({ releaseRoleArn: 'arn:aws:iam::333333333333:role/release', target: target({ account: TARGET_ACCOUNT }) }))
        .toThrow(`releaseRoleArn arn:aws:iam::333333333333:role/release is in account 333333333333, not in target account ${TARGET_ACCOUNT}`);
    });

    test('given a check interval too short, too long or too frequent for the soak, then it is refused', () => {
      expect(() => soakStack({ checkInterval: Duration.seconds(5) }))
        .toThrow('checkInterval must be whole seconds between 10 seconds and the soakPeriod 10 minutes, got 5 seconds');
      expect(() => soakStack({ checkInterval: Duration.minutes(11) }))
        .toThrow('checkInterval must be whole seconds between 10 seconds and the soakPeriod 10 minutes, got 11 minutes');
      expect(() => soakStack({ soakPeriod: Duration.days(7), checkInterval: Duration.minutes(1) }))
        .toThrow('A soakPeriod of 7 days checked every 1 minute takes 10080 checks, more than the 1500 an execution\'s history holds: use a checkInterval of at least 404 seconds');
    });

    test('given a target without alarms, then it is refused: DescribeAlarms without names describes every alarm', () => {
      expect(() => soakStack({ target: target({ alarmNames: [] }) }))
        .toThrow('The target of environment prod must name between 1 and 100 rollback alarms to soak against, got 0');
    });
  });
});

/** The workflow role's policy statements, partitions rendered as cdk-nag does. */
function policyStatements(template: Template): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  expect(policies).toHaveLength(1);
  return JSON.parse(JSON.stringify(policies[0].Properties.PolicyDocument.Statement)
    .replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},"([^"]*)"\]\]\}/g, '"arn:<AWS::Partition>$1"'));
}
