import { App, Duration, Stack, aws_events as events } from 'aws-cdk-lib';
import { ImmutableAmiPipeline, PromotionApproval } from '../../src';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../helpers/nag';
import { webBuild, webRecipe, webSource } from '../helpers/pipeline-app';
import { PIPELINE_ENV, PROD_ENV, QA_ENV, environmentStack } from '../helpers/promotion-app';

describe('ImmutableAmiPipeline under cdk-nag', () => {
  test('given a pipeline into three accounts and two regions, then nothing it creates has a finding, and every acknowledgement says why', () => {
    const app = new App();
    const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    new ImmutableAmiPipeline(stack, 'Web', {
      source: webSource(),
      applicationBuild: webBuild(),
      recipe: webRecipe(stack),
      environments: [
        { name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment, soakPeriod: Duration.minutes(10) },
        { name: 'qa', deployment: environmentStack(app, 'qa', QA_ENV).deployment, soakPeriod: Duration.minutes(10) },
        { name: 'prod', deployment: environmentStack(app, 'prod', PROD_ENV).deployment, approval: PromotionApproval.manual() },
      ],
      patchRebuildSchedule: events.Schedule.cron({ weekDay: 'SUN', hour: '2', minute: '0' }),
    });

    // The test's VPCs are the user's, not the pipeline's.
    const findings = awsSolutionsFindings(app).filter((finding) => !/^Web-\w+\/Vpc\//.test(finding.path));
    expect([...new Set(findings.map((finding) => `${finding.rule} at ${finding.path}`))]).toEqual([]);
    expect(nagAcknowledgements(app).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
  });
});
