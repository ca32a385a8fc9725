import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EnvironmentPromotion, VulnerabilityPolicy, VulnerabilitySeverity } from '../../src';
import { FAILED_RELEASES_QUERY, RELEASE_FINDINGS_QUERY, RELEASE_HISTORY_QUERY } from '../../src/private/promotion/release-dashboard';
import { onlyOfType, resourcesOfType } from '../helpers/deployment-stack';
import { PIPELINE_ENV, QA_ENV, environmentStack, templateOf, threeAccountPromotion, workflowsStack, workflowsTemplate } from '../helpers/promotion-app';
import { ACCOUNT, REGION, RELEASE, runRelease, targetFakes, workflowDefinition } from '../helpers/release-workflow';

/**
 * The widgets of the one dashboard in a template. Its body is a join of text and tokens; each
 * token becomes `<token>` text, so the body parses as the JSON CloudWatch receives.
 */
function dashboardWidgets(template: Template): any[] {
  const body = onlyOfType(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody;
  const parts: unknown[] = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<token>')).join('')).widgets;
}

/** The three-account promotion, added to its pipeline so that the app synthesizes. */
function promoted(...configure: Parameters<typeof threeAccountPromotion>) {
  const setup = threeAccountPromotion(...configure);
  setup.promotion.addToPipeline(setup.pipeline, { releaseManifest: setup.releaseManifest });
  return setup;
}

const titles = (widgets: any[]) => widgets.map((widget) => widget.properties.title ?? widget.properties.markdown.split('\n')[0]);

describe('EnvironmentPromotion dashboards', () => {
  test('given environments in three accounts and two regions, then each environment gets a dashboard beside its workflows', () => {
    const { promotion } = promoted();

    expect(titles(dashboardWidgets(workflowsTemplate(promotion, 'dev')))).toEqual([
      '## dev', 'dev: releases (newest first)', 'dev: image findings of releases (newest first)', 'dev: failed releases', 'dev: instances in service',
      'dev: rollback alarms',
    ]);
    expect(titles(dashboardWidgets(workflowsTemplate(promotion, 'qa')))[0]).toBe('## qa');
    expect(titles(dashboardWidgets(workflowsTemplate(promotion, 'prod')))[0]).toBe('## prod');
    expect(['qa', 'prod'].map((name) => workflowsStack(promotion, name).nestedStackParent!.stackName))
      .toEqual(['Pipeline-Release-222222222222-eu-west-1', 'Pipeline-Release-333333333333-us-east-1']);
  });

  test('given two environments in one account and region, then each has its own dashboard, in promotion order', () => {
    const app = new App();
    const pipelineStack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    const environments = ['dev', 'qa'].map((name) => ({ name, deployment: environmentStack(app, name, PIPELINE_ENV).deployment }));
    const promotion = new EnvironmentPromotion(pipelineStack, 'Promotion', { environments });

    expect(promotion.dashboards.map((dashboard) => dashboard.node.path)).toEqual(['Pipeline/Promotion/dev/Dashboard/Resource', 'Pipeline/Promotion/qa/Dashboard/Resource']);
    expect(titles(dashboardWidgets(workflowsTemplate(promotion, 'qa')))[0]).toBe('## qa');
  });

  test('given a release history widget, then it queries the release workflow\'s logs, which hold each execution\'s output', () => {
    const { promotion } = promoted();
    const template = workflowsTemplate(promotion, 'dev');
    const history = dashboardWidgets(template).find((widget) => widget.properties.title === 'dev: releases (newest first)');

    expect(history.type).toBe('log');
    expect(history.properties.query).toBe(`SOURCE '<token>' | ${RELEASE_HISTORY_QUERY.join('\n| ')}`);
    expect(onlyOfType(template, 'AWS::StepFunctions::StateMachine').Properties.LoggingConfiguration)
      .toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
  });

  test('given the output of a release run locally, logged as Step Functions logs it, then the history query reads its version, commit, AMI and outcome', async () => {
    const execution = await runRelease(workflowDefinition(), RELEASE, targetFakes());
    // An ExecutionSucceeded event: Logs Insights discovers details.output as one string field.
    // Spaced JSON, to show the query does not depend on how the output is formatted.
    const event = { type: 'ExecutionSucceeded', details: { output: JSON.stringify(execution.output, undefined, 1), outputDetails: { truncated: false } } };
    const parsed = Object.assign({}, ...RELEASE_HISTORY_QUERY.filter((line) => line.startsWith('parse details.output ')).map((line) => {
      const pattern = /^parse details\.output \/(.*)\/$/.exec(line)![1];
      return new RegExp(pattern).exec(event.details.output)!.groups;
    }));

    expect(RELEASE_HISTORY_QUERY[0]).toBe(`filter type = "${event.type}"`);
    // The AMI released, not the one it replaced, which the output names too.
    expect(parsed).toEqual({ version: RELEASE.version, commitId: RELEASE.commitId, amiId: RELEASE.amiId, outcome: 'RELEASED' });
  });

  test('given the output of a release judged by a policy, logged as Step Functions logs it, then the findings query reads the scan, its counts and the decision', async () => {
    const definition = workflowDefinition({ vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.CRITICAL) });
    const scan = { status: 'SCANNED', severityCounts: { critical: 0, high: 1, medium: 12, all: 40 }, findings: [], findingsComplete: true };
    // A bake's manifest: its AMI, and its build's scan.
    const { amiId, ...metadata } = RELEASE;
    const manifest = { ...metadata, images: { [`${ACCOUNT}/${REGION}/x86_64`]: amiId }, builds: [{ architecture: 'x86_64', fingerprint: RELEASE.fingerprint, scan }] };
    const execution = await runRelease(definition, manifest, targetFakes());
    const output = JSON.stringify(execution.output, undefined, 1);
    const parsed = Object.assign({}, ...RELEASE_FINDINGS_QUERY.filter((line) => line.startsWith('parse details.output ')).map((line) => {
      const pattern = /^parse details\.output \/(.*)\/$/.exec(line)![1];
      return new RegExp(pattern).exec(output)!.groups;
    }));

    expect(parsed).toEqual({
      version: RELEASE.version, amiId: RELEASE.amiId, scan: 'SCANNED', critical: '0', high: '1', medium: '12', findings: '40', decision: 'PASSED',
    });
    expect(RELEASE_FINDINGS_QUERY[RELEASE_FINDINGS_QUERY.length - 1]).toBe('display @timestamp, version, amiId, scan, critical, high, medium, findings, decision');
  });

  test('given a failed releases widget, then it lists failed, timed out and aborted executions with their error and cause', () => {
    const { promotion } = promoted();
    const failed = dashboardWidgets(workflowsTemplate(promotion, 'dev')).find((widget) => widget.properties.title === 'dev: failed releases');

    expect(failed.properties.query).toBe(`SOURCE '<token>' | ${FAILED_RELEASES_QUERY.join('\n| ')}`);
    expect(FAILED_RELEASES_QUERY[0]).toBe('filter type in ["ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"]');
  });

  test('given a deployment, then the dashboard graphs its group\'s in-service instances against desired capacity, which the group sends', () => {
    const { app, promotion, deployments } = promoted();
    const groupName = deployments.dev.releaseTarget.autoScalingGroupName;
    const instances = dashboardWidgets(workflowsTemplate(promotion, 'dev')).find((widget) => widget.properties.title === 'dev: instances in service');

    expect(instances.properties.metrics).toEqual([
      ['AWS/AutoScaling', 'GroupInServiceInstances', 'AutoScalingGroupName', groupName, { label: 'In service', period: 60, stat: 'Minimum' }],
      ['AWS/AutoScaling', 'GroupDesiredCapacity', 'AutoScalingGroupName', groupName, { label: 'Desired', period: 60, stat: 'Minimum' }],
    ]);
    expect(onlyOfType(templateOf(app, 'Web-dev'), 'AWS::AutoScaling::AutoScalingGroup').Properties.MetricsCollection)
      .toEqual([{ Granularity: '1Minute', Metrics: ['GroupInServiceInstances', 'GroupDesiredCapacity'] }]);
  });

  test('given a deployment, then the dashboard shows the state of each of its rollback alarms', () => {
    const { promotion, deployments } = promoted();
    const alarms = dashboardWidgets(workflowsTemplate(promotion, 'dev')).find((widget) => widget.properties.title === 'dev: rollback alarms');

    expect(alarms.type).toBe('alarm');
    expect(alarms.properties.alarms).toEqual(deployments.dev.releaseTarget.alarmNames.map((name) => `arn:<token>:cloudwatch:eu-west-1:111111111111:alarm:${name}`));
  });

  test('given an environment, then its row names its stack and ledger and gives the command that returns it to its previous release', () => {
    const { promotion, deployments } = promoted();
    const text = dashboardWidgets(workflowsTemplate(promotion, 'dev'))[0].properties.markdown;

    expect(text).toContain('Stack **Web-dev** in account 111111111111, region eu-west-1.');
    expect(text).toContain(`\`${deployments.dev.releaseTarget.amiParameterName}\``);
    // The state machine's literal ARN, which an operator can paste.
    expect(text).toMatch(/`aws stepfunctions start-execution --region eu-west-1 --state-machine-arn arn:<token>:states:eu-west-1:111111111111:stateMachine:Pipeline-Promotion-dev-Release-[0-9A-F]{8} --input '\{"returnToPreviousRelease": true\}'`$/);
  });

  test('given an explicit target without an Auto Scaling group name, then its row has no instance graph', () => {
    const { app, promotion } = promoted((_stack, deployments) => ({
      environments: { dev: { deployment: undefined, target: { ...deployments.dev.releaseTarget, autoScalingGroupName: undefined } } },
    }));
    app.synth();

    expect(titles(dashboardWidgets(workflowsTemplate(promotion, 'dev')))).not.toContain('dev: instances in service');
  });

  test('given an environment with a dedicated release role, then the pipeline account\'s dashboard reads its metrics and alarms from its own account', () => {
    const app = new App();
    const pipelineStack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    const { deployment } = environmentStack(app, 'qa', QA_ENV, { releaseRole: { trustedAccounts: [PIPELINE_ENV.account] } });
    const promotion = new EnvironmentPromotion(pipelineStack, 'Promotion', { environments: [{ name: 'qa', deployment }] });
    const widgets = dashboardWidgets(workflowsTemplate(promotion, 'qa'));

    const instances = widgets.find((widget) => widget.properties.title === 'qa: instances in service');
    const inQaAccount = expect.objectContaining({ accountId: QA_ENV.account, region: QA_ENV.region });
    expect(instances.properties.metrics.map((metric: any[]) => metric[4])).toEqual([inQaAccount, inQaAccount]);
    const alarms = widgets.find((widget) => widget.properties.title === 'qa: rollback alarms');
    expect(alarms.properties.alarms).toEqual(deployment.releaseTarget.alarmNames.map((name) => `arn:<token>:cloudwatch:eu-west-1:${QA_ENV.account}:alarm:${name}`));
  });

  test('given dashboards turned off, then no stack has a dashboard', () => {
    const { app, promotion } = promoted(() => ({ props: { dashboards: false } }));

    expect(promotion.dashboards).toEqual([]);
    for (const stack of app.synth().stacks) {
      expect(resourcesOfType(Template.fromJSON(stack.template), 'AWS::CloudWatch::Dashboard')).toEqual([]);
    }
  });
});
