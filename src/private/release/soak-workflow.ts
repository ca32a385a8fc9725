import {
  ArnFormat, Duration, Stack, Token,
  aws_iam as iam, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ReleaseStates } from './release-workflow-states';
import { TargetWorkflowProps, createTargetWorkflow, validateEnvironmentName } from './target-workflow';
import type { ReleaseTarget } from '../../release-target';

const MIN_SOAK = Duration.minutes(1);
const MAX_SOAK = Duration.days(7);
const DEFAULT_CHECK_INTERVAL = Duration.minutes(1);
const MIN_CHECK_INTERVAL = Duration.seconds(10);
/**
 * A standard execution's history holds at most 25,000 events; one check
 * writes 15 (Wait, Task, two Choices, two Passes), each retry of a throttled call 3 more: 1,500
 * checks leave room for 800 retries.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-state-machine-executions
 */
export const MAX_SOAK_CHECKS = 1500;
/** DescribeAlarms returns at most 100 alarms per page; one page must hold them all. */
const MAX_ALARMS = 100;
/** Room beyond the soak for the calls themselves and their retries. */
const EXECUTION_MARGIN = Duration.hours(1);
const TASK_TIMEOUT = sfn.Timeout.duration(Duration.minutes(1));
/**
 * CloudWatch is a query API: throttling (`Throttling`) is not in its model, so it arrives as the
 * generic exception. `ReleaseStates.call` has no retry list for CloudWatch, hence a task of its own.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html#use-awssdk-integ
 */
export const SOAK_RETRIED_ERRORS = ['CloudWatch.CloudWatchException'];

export interface SoakWorkflowProps extends TargetWorkflowProps {
  /** How long the environment's alarms must stay out of ALARM: between 1 minute and 7 days. */
  readonly soakPeriod: Duration;

  /**
   * The shortest soak that lets every alarm evaluate once: the longest evaluation window (period
   * times evaluation periods) of the target's alarms, which the caller computes from them.
   *
   * @default - no lower bound beyond 1 minute
   */
  readonly minimumSoak?: Duration;

  /**
   * How often the alarms are read: whole seconds, at least 10 seconds and at most the soak period.
   *
   * @default - 1 minute, or longer when the soak would need more than 1,500 checks
   * (`soakPeriod / 1500`, rounded up to a whole minute)
   */
  readonly checkInterval?: Duration;

}

/**
 * A Step Functions standard workflow, SDK integrations only, that holds a released environment for
 * a soak period and fails as soon as one of its rollback alarms is in ALARM.
 *
 * Execution input: ignored. The workflow runs `checks = ceil(soakPeriod / checkInterval)`
 * iterations of: wait `checkInterval`, then `DescribeAlarms` of the target's alarms (metric and
 * composite). Waiting first puts the last check at the end of the soak, so the whole period is
 * watched; an alarm already in ALARM at the start stays so until its metric recovers.
 *
 * - An alarm in ALARM: fails with `SoakAlarm`, naming the alarms, their state reasons and the
 *   environment; no further checks.
 * - An alarm that DescribeAlarms does not return (deleted or misnamed): fails with
 *   `SoakAlarmNotFound`, since a soak without its alarms proves nothing.
 * - INSUFFICIENT_DATA counts as OK: an alarm without data in the soak's first minutes, or on a
 *   metric the environment only emits under load, is not evidence of a bad release; and the
 *   rollback alarms are meant to treat missing data as not breaching.
 * - Otherwise outputs `{ "environment", "soakedSeconds", "outcome": "SOAKED" }`, `soakedSeconds`
 *   being `checks * checkInterval`.
 */
export class SoakWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The state machine's literal name. */
  public readonly stateMachineName: string;
  /** The state machine's role: the principal a release role must trust. */
  public readonly role: iam.IRole;
  /** The role's ARN, from its literal name. */
  public readonly roleArn: string;
  /** How many times the alarms are read. */
  public readonly checks: number;
  /** Time between two reads of the alarms. */
  public readonly checkInterval: Duration;

  constructor(scope: Construct, id: string, props: SoakWorkflowProps) {
    super(scope, id);
    this.checkInterval = props.checkInterval ?? defaultCheckInterval(props.soakPeriod);
    validateSoakWorkflow(props, this.checkInterval);
    this.checks = Math.ceil(props.soakPeriod.toSeconds() / this.checkInterval.toSeconds());
    const soakedSeconds = this.checks * this.checkInterval.toSeconds();

    const { stateMachine, stateMachineName, role, roleArn } = createTargetWorkflow(this, {
      purpose: 'soak',
      roleDescription: `Soaks ${props.environmentName} (stack ${props.target.stackName}) against its rollback alarms`,
      comment: `Soaks ${props.environmentName} for ${props.soakPeriod.toHumanString()}: fails when a rollback alarm is in ALARM`,
      target: props.target,
      releaseRoleArn: props.releaseRoleArn,
      timeout: Duration.seconds(soakedSeconds).plus(EXECUTION_MARGIN),
      logRetention: props.logRetention,
      definition: (credentials) => this.definition(props, credentials, soakedSeconds),
      grantTargetPermissions: (workflowRole) => soakRolePolicyStatements(workflowRole, props.target)
        .forEach((statement) => workflowRole.addToPrincipalPolicy(statement)),
    });
    this.stateMachine = stateMachine;
    this.stateMachineName = stateMachineName;
    this.role = role;
    this.roleArn = roleArn;
  }

  private definition(props: SoakWorkflowProps, credentials: sfn.Credentials | undefined, soakedSeconds: number): sfn.IChainable {
    const states = new ReleaseStates(this, props.target, credentials);
    const alarmNames = props.target.alarmNames;
    const environment = props.environmentName;

    const start = new sfn.Pass(this, 'StartSoak', { parameters: { checks: 0 }, resultPath: '$.soak' });
    const wait = new sfn.Wait(this, 'WaitCheckInterval', { time: sfn.WaitTime.duration(this.checkInterval) });
    const describe = new tasks.CallAwsService(this, 'DescribeAlarms', {
      service: 'cloudwatch',
      action: 'describeAlarms',
      parameters: { AlarmNames: alarmNames, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: MAX_ALARMS },
      // Only read by CDK, which the immutable role ignores: the role's policy is written in full.
      iamResources: ['*'],
      credentials,
      // Kept whole: a filter that matches nothing is an error in JSONPath states, so alarms in
      // ALARM are picked out only once one is known to be (see ListAlarmStates).
      resultSelector: {
        'found.$': 'States.MathAdd(States.ArrayLength($.MetricAlarms), States.ArrayLength($.CompositeAlarms))',
        'lists': { 'metric.$': '$.MetricAlarms', 'composite.$': '$.CompositeAlarms' },
      },
      resultPath: '$.alarms',
      taskTimeout: TASK_TIMEOUT,
    });
    describe.addRetry({
      errors: SOAK_RETRIED_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL,
    });
    // Every alarm was found, so the list of states is not empty.
    const count = new sfn.Pass(this, 'ListAlarmStates', {
      parameters: { 'checks.$': 'States.MathAdd($.soak.checks, 1)', 'states.$': '$.alarms.lists..StateValue' },
      resultPath: '$.soak',
    });
    const anyInAlarm = new sfn.Pass(this, 'LookForAlarmState', {
      parameters: { 'checks.$': '$.soak.checks', 'inAlarm.$': "States.ArrayContains($.soak.states, 'ALARM')" },
      resultPath: '$.soak',
    });
    const pickInAlarm = new sfn.Pass(this, 'PickAlarmsInAlarm', {
      parameters: {
        'names.$': "$.alarms.lists.*[?(@.StateValue == 'ALARM')].AlarmName",
        'reasons.$': "$.alarms.lists.*[?(@.StateValue == 'ALARM')].StateReason",
      },
      resultPath: '$.inAlarm',
    });
    const where = `Look at the alarms in the CloudWatch console of account ${props.target.account}, region ${props.target.region}.`;
    const inAlarm = new sfn.Pass(this, 'ExplainSoakAlarm', {
      parameters: {
        error: 'SoakAlarm',
        cause: sfn.JsonPath.format(
          `Rollback alarms {} went into ALARM during the soak of ${environment}, at check {} of ${this.checks}, with reasons {}. `
          + 'The release must not be promoted. ' + where,
          sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.inAlarm.names')),
          sfn.JsonPath.stringAt('$.soak.checks'),
          sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.inAlarm.reasons'))),
      },
      resultPath: '$.failure',
    });
    const notFound = states.explain('ExplainSoakAlarmNotFound', 'SoakAlarmNotFound',
      `DescribeAlarms found {} of the ${alarmNames.length} rollback alarms of ${environment} (${alarmNames.join(', ')}): `
      + `a soak without its alarms proves nothing. ${where}`, '$.alarms.found');
    const soaked = new sfn.Pass(this, 'Soaked', { parameters: { environment, soakedSeconds, outcome: 'SOAKED' } });

    const judge = new sfn.Choice(this, 'AnyAlarmInAlarm')
      .when(sfn.Condition.booleanEquals('$.soak.inAlarm', true), pickInAlarm.next(inAlarm).next(states.fail('SoakAlarmFailed')))
      .when(sfn.Condition.numberGreaterThanEquals('$.soak.checks', this.checks), soaked)
      .otherwise(wait);
    const allFound = new sfn.Choice(this, 'AllAlarmsFound')
      .when(sfn.Condition.not(sfn.Condition.numberEquals('$.alarms.found', alarmNames.length)), notFound.next(states.fail('SoakAlarmNotFoundFailed')))
      .otherwise(count.next(anyInAlarm).next(judge));

    return start.next(wait).next(describe).next(allFound);
  }
}

/**
 * What the soak needs in the target's account and region: attach it to the role given as
 * `releaseRoleArn` (or it goes on the workflow's own role). DescribeAlarms takes alarm ARNs.
 *
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
 */
export function soakRolePolicyStatements(scope: IConstruct, target: ReleaseTarget): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const alarms = target.alarmNames.map((name) => stack.formatArn({
    account: target.account, region: target.region, service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  }));
  return [new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: alarms })];
}

function defaultCheckInterval(soakPeriod: Duration): Duration {
  const minutes = Math.ceil(soakPeriod.toSeconds() / MAX_SOAK_CHECKS / 60);
  return minutes > 1 ? Duration.minutes(minutes) : DEFAULT_CHECK_INTERVAL;
}

/** Synth-time errors for what would make the soak meaningless or fail at run time, each naming the bad value. */
function validateSoakWorkflow(props: SoakWorkflowProps, checkInterval: Duration): void {
  validateEnvironmentName(props.environmentName);
  const soak = props.soakPeriod.toSeconds();
  if (soak < MIN_SOAK.toSeconds() || soak > MAX_SOAK.toSeconds()) {
    throw new Error(`soakPeriod must be between ${MIN_SOAK.toHumanString()} and ${MAX_SOAK.toHumanString()}, got ${props.soakPeriod.toHumanString()}`);
  }
  if (props.minimumSoak !== undefined && soak < props.minimumSoak.toSeconds()) {
    throw new Error(`soakPeriod ${props.soakPeriod.toHumanString()} of environment ${props.environmentName} is shorter than its alarms' evaluation period `
      + `${props.minimumSoak.toHumanString()}: the alarms could not go into ALARM before the soak ends`);
  }
  const interval = checkInterval.toSeconds();
  if (!Number.isInteger(interval) || interval < MIN_CHECK_INTERVAL.toSeconds() || interval > soak) {
    throw new Error(`checkInterval must be whole seconds between ${MIN_CHECK_INTERVAL.toHumanString()} and the soakPeriod ${props.soakPeriod.toHumanString()}, `
      + `got ${checkInterval.toHumanString()}`);
  }
  const checks = Math.ceil(soak / interval);
  if (checks > MAX_SOAK_CHECKS) {
    throw new Error(`A soakPeriod of ${props.soakPeriod.toHumanString()} checked every ${checkInterval.toHumanString()} takes ${checks} checks, `
      + `more than the ${MAX_SOAK_CHECKS} an execution's history holds: use a checkInterval of at least ${Math.ceil(soak / MAX_SOAK_CHECKS)} seconds`);
  }
  const names = props.target.alarmNames;
  if (names.length === 0 || names.length > MAX_ALARMS) {
    // DescribeAlarms without names describes every alarm of the account.
    throw new Error(`The target of environment ${props.environmentName} must name between 1 and ${MAX_ALARMS} rollback alarms to soak against, got ${names.length}`);
  }
  for (const name of names) {
    if (Token.isUnresolved(name)) {
      throw new Error(`Rollback alarm names must be literal to be soaked against, got '${name}'`);
    }
  }
}
