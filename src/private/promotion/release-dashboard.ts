import { ArnFormat, Duration, Names, Stack, aws_cloudwatch as cloudwatch, aws_logs as logs, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { isInStackEnvironment } from './promotion-placement';
import type { ReleaseTarget } from '../../release-target';

/** An environment as its dashboard shows it, with the release workflow that keeps its history. */
export interface DashboardEnvironment {
  readonly name: string;
  readonly target: ReleaseTarget;
  readonly releaseStateMachine: sfn.IStateMachine;
  /** The release workflow's execution logs, which hold each execution's output. */
  readonly releaseLogGroup: logs.ILogGroup;
}

/**
 * The fields a dashboard reads from each successful release's output (see `ReleaseWorkflow`), by
 * regular expressions on the output's JSON text: Logs Insights sees it as one string field.
 */
export const RELEASE_OUTPUT_FIELDS = ['version', 'commitId', 'amiId', 'outcome'];

/** Logs Insights lines that list the successful releases of a release workflow, newest first. */
export const RELEASE_HISTORY_QUERY = [
  'filter type = "ExecutionSucceeded"',
  ...RELEASE_OUTPUT_FIELDS.map((field) => `parse details.output /"${field}":\\s*"(?<${field}>[^"]*)"/`),
  'sort @timestamp desc',
  'limit 20',
  `display @timestamp, ${RELEASE_OUTPUT_FIELDS.join(', ')}`,
];

/**
 * Logs Insights lines that list what the scans of the released images found, and what the
 * environment's policy decided (`vulnerabilities` of each successful release's output; refused
 * releases are failed releases). Counts are numbers in the output, the rest strings.
 */
export const RELEASE_FINDINGS_QUERY = [
  'filter type = "ExecutionSucceeded"',
  ...['version', 'amiId', 'scan'].map((field) => `parse details.output /"${field}":\\s*"(?<${field}>[^"]*)"/`),
  ...['critical', 'high', 'medium'].map((field) => `parse details.output /"${field}":\\s*(?<${field}>\\d+)/`),
  'parse details.output /"all":\\s*(?<findings>\\d+)/',
  'parse details.output /"decision":\\s*"(?<decision>[^"]*)"/',
  'sort @timestamp desc',
  'limit 20',
  'display @timestamp, version, amiId, scan, critical, high, medium, findings, decision',
];

/** Logs Insights lines that list the releases that did not succeed, with why. */
export const FAILED_RELEASES_QUERY = [
  'filter type in ["ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"]',
  'sort @timestamp desc',
  'limit 20',
  'display @timestamp, type, details.error, details.cause',
];

/**
 * The dashboard of one environment, beside its workflows: in its account and region, where its
 * logs, metrics and alarms are, so no cross-account CloudWatch setup is needed. An environment with
 * a dedicated release role runs its workflows in another account than its metrics and alarms,
 * which that account sees only with CloudWatch cross-account observability. It shows what the
 * environment runs and how to return it to its previous release, the release history (released at,
 * version, commit, AMI), failed releases, in-service against desired instances, and the rollback
 * alarms, and the findings of the released images' scans.
 */
export class ReleaseDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, environment: DashboardEnvironment) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      // Dashboard names are unique per account, across regions: the path names the stack.
      dashboardName: Names.uniqueResourceName(this, { maxLength: 255, separator: '-' }),
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(...this.widgets(environment));
  }

  /** Where the environment's metrics are, when not in the dashboard's account and region (a dedicated release role). */
  private metricsLocation(target: ReleaseTarget): { account?: string; region?: string } {
    return isInStackEnvironment(target, Stack.of(this)) ? {} : { account: target.account, region: target.region };
  }

  private widgets(environment: DashboardEnvironment): cloudwatch.IWidget[] {
    const { name, target } = environment;
    return [
      new cloudwatch.TextWidget({ markdown: describe(environment), width: 24, height: 4 }),
      new cloudwatch.LogQueryWidget({
        title: `${name}: releases (newest first)`,
        logGroupNames: [environment.releaseLogGroup.logGroupName],
        queryLines: RELEASE_HISTORY_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 12,
        height: 6,
      }),
      new cloudwatch.LogQueryWidget({
        title: `${name}: image findings of releases (newest first)`,
        logGroupNames: [environment.releaseLogGroup.logGroupName],
        queryLines: RELEASE_FINDINGS_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 12,
        height: 6,
      }),
      new cloudwatch.LogQueryWidget({
        title: `${name}: failed releases`,
        logGroupNames: [environment.releaseLogGroup.logGroupName],
        queryLines: FAILED_RELEASES_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 12,
        height: 6,
      }),
      ...target.autoScalingGroupName === undefined ? [] : [instancesWidget(name, target.autoScalingGroupName, this.metricsLocation(target))],
      new cloudwatch.AlarmStatusWidget({
        title: `${name}: rollback alarms`,
        alarms: target.alarmNames.map((alarmName, index) => cloudwatch.Alarm.fromAlarmArn(this, `${name}Alarm${index}`,
          Stack.of(this).formatArn({
            service: 'cloudwatch', account: target.account, region: target.region, resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }))),
        width: 12,
        height: 6,
      }),
    ];
  }
}

function instancesWidget(environmentName: string, autoScalingGroupName: string,
  location: { account?: string; region?: string }): cloudwatch.GraphWidget {
  const groupMetric = (metricName: string, label: string) => new cloudwatch.Metric({
    namespace: 'AWS/AutoScaling',
    metricName,
    dimensionsMap: { AutoScalingGroupName: autoScalingGroupName },
    statistic: cloudwatch.Stats.MINIMUM,
    period: Duration.minutes(1),
    label,
    ...location,
  });
  return new cloudwatch.GraphWidget({
    title: `${environmentName}: instances in service`,
    left: [groupMetric('GroupInServiceInstances', 'In service'), groupMetric('GroupDesiredCapacity', 'Desired')],
    leftYAxis: { min: 0 },
    width: 12,
    height: 6,
  });
}

function describe({ name, target, releaseStateMachine }: DashboardEnvironment): string {
  return [
    `## ${name}`,
    `Stack **${target.stackName}** in account ${target.account}, region ${target.region}. `
      + `Its ledger, \`${target.amiParameterName}\` and the parameters beside it, names the release it runs; their history is the audit trail.`,
    '',
    `Return ${name} to its previous release, from the ledger alone: \`aws stepfunctions start-execution --region ${target.region} `
      + `--state-machine-arn ${releaseStateMachine.stateMachineArn} --input '{"returnToPreviousRelease": true}'\``,
  ].join('\n');
}
