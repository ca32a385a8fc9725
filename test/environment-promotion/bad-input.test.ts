import { App, Duration, Stack, aws_codepipeline as codepipeline, aws_sns as sns } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { EnvironmentPromotion, PromotionApproval, VulnerabilityPolicy, VulnerabilitySeverity } from '../../src';
import { webRecipe } from '../helpers/pipeline-app';
import { PIPELINE_ENV, environmentStack, pipelineWithSource, threeAccountPromotion } from '../helpers/promotion-app';

describe('EnvironmentPromotion bad input', () => {
  test('given no environments, then synthesis fails saying one is needed', () => {
    const stack = new Stack(new App(), 'Pipeline', { env: PIPELINE_ENV });
    expect(() => new EnvironmentPromotion(stack, 'Promotion', { environments: [] })).toThrow('A promotion needs at least one environment, got none');
  });

  test('given two environments with one name, then synthesis fails naming it', () => {
    expect(() => threeAccountPromotion(() => ({ environments: { qa: { name: 'dev' } } }))).toThrow("Environment names must be unique in a promotion, got 'dev' twice");
  });

  test('given two environments releasing into one stack, then synthesis fails saying the second would be its own predecessor', () => {
    expect(() => threeAccountPromotion((_, deployments) => ({ environments: { qa: { deployment: deployments.dev } } })))
      .toThrow('Environments dev and qa both release into stack Web-dev (account 111111111111, region eu-west-1): qa would be its own predecessor');
  });

  test('given an environment with both a deployment and a target, then synthesis fails saying exactly one is needed', () => {
    expect(() => threeAccountPromotion((_, deployments) => ({ environments: { qa: { target: deployments.qa.releaseTarget } } })))
      .toThrow('Environment qa needs exactly one of deployment and target, got both');
  });

  test('given an environment with neither a deployment nor a target, then synthesis fails saying exactly one is needed', () => {
    expect(() => threeAccountPromotion(() => ({ environments: { qa: { deployment: undefined } } })))
      .toThrow('Environment qa needs exactly one of deployment and target, got neither');
  });

  test('given an environment name with capitals, then synthesis fails naming it', () => {
    expect(() => threeAccountPromotion(() => ({ environments: { qa: { name: 'QA' } } }))).toThrow("got 'QA'");
  });

  test('given a soak shorter than the alarms\' evaluation window, then synthesis fails naming both', () => {
    // Without a load balancer, the process-down alarm is the only one: two 1-minute periods.
    expect(() => threeAccountPromotion(() => ({ environments: { dev: { soakPeriod: Duration.seconds(90) } } })))
      .toThrow('soakPeriod 1 minute 30 seconds of environment dev is shorter than its alarms\' evaluation period 2 minutes');
  });

  test('given a soak as long as the alarms\' evaluation window, then it is accepted', () => {
    expect(() => threeAccountPromotion(() => ({ environments: { dev: { soakPeriod: Duration.minutes(2) } } }))).not.toThrow();
  });

  test('given an approval topic in another region than the pipeline, then synthesis fails naming both regions', () => {
    const setup = threeAccountPromotion((stack) => ({
      environments: { prod: { approval: PromotionApproval.manual({ notificationTopic: sns.Topic.fromTopicArn(stack, 'Elsewhere', 'arn:aws:sns:us-east-1:111111111111:approvers') }) } },
    }));
    expect(() => setup.promotion.addToPipeline(setup.pipeline, { releaseManifest: setup.releaseManifest }))
      .toThrow('The approval topic of environment prod is in region us-east-1, but pipeline Pipeline/Pipeline publishes from region eu-west-1: use a topic in eu-west-1');
  });

  test('given a target in another account and a promotion stack without an account, then synthesis fails saying the target has no reachable release role', () => {
    const app = new App();
    const stack = new Stack(app, 'Pipeline');
    const { deployment } = environmentStack(app, 'qa', { account: '222222222222', region: 'eu-west-1' });
    expect(() => new EnvironmentPromotion(stack, 'Promotion', { environments: [{ name: 'qa', deployment }] }))
      .toThrow('Target account 222222222222 of environment qa (stack Web-qa, account 222222222222, region eu-west-1) has no release role the promotion can reach');
  });

  test('given more environments than the pipeline has stages left, then synthesis fails naming the count and the limit', () => {
    const app = new App();
    const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    const environments = Array.from({ length: 50 }, (_, index) => ({ name: `env${index}`, deployment: environmentStack(app, `env${index}`, PIPELINE_ENV).deployment }));
    const promotion = new EnvironmentPromotion(stack, 'Promotion', { environments });
    const { pipeline, releaseManifest } = pipelineWithSource(stack);
    expect(() => promotion.addToPipeline(pipeline, { releaseManifest }))
      .toThrow('Pipeline Pipeline/Pipeline would have 51 stages (1 and one per environment), more than the 50 CodePipeline allows');
  });

  test('given a pipeline of type V1, then synthesis fails saying stage conditions need V2', () => {
    const app = new App();
    const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    const promotion = new EnvironmentPromotion(stack, 'Promotion', { environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment }] });
    const { pipeline, releaseManifest } = pipelineWithSource(stack, { pipelineType: codepipeline.PipelineType.V1 });
    expect(() => promotion.addToPipeline(pipeline, { releaseManifest })).toThrow('Pipeline Pipeline/Pipeline must be of type V2 for stage conditions and rollback, got V1');
  });

  test('given a vulnerability policy on an environment whose recipe does not scan, then synthesis fails naming both and the fixes', () => {
    const { app, pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion(() => ({
      environments: { prod: { vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH) } },
    }));
    promotion.distributeImages(webRecipe(pipelineStack));
    promotion.addToPipeline(pipeline, { releaseManifest });

    expect(() => app.synth()).toThrow('Environment prod refuses images with findings at or above HIGH, but recipe Pipeline/Image does not scan its images '
      + '(vulnerabilityScanning is false), so no release would have findings to judge: turn on vulnerabilityScanning on the recipe (Amazon Inspector must be '
      + 'activated in account 111111111111), or give environment prod VulnerabilityPolicy.none()');
  });

  test('given an acceptance that has ended, then synthesis warns that the environment refuses the finding again', () => {
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion(() => ({
      environments: {
        prod: {
          vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH, {
            acceptedVulnerabilities: [{ vulnerabilityId: 'CVE-2024-6387', reason: 'sshd is not reachable', expires: '2025-01-31' }],
          }),
        },
      },
    }));
    promotion.addToPipeline(pipeline, { releaseManifest });

    Annotations.fromStack(pipelineStack).hasWarning('/Pipeline/Promotion', Match.stringLikeRegexp(
      '^Environment prod accepted CVE-2024-6387 until 2025-01-31: its releases refuse the finding again\\. Fix it, or review the acceptance and give it a new expiry'));
  });
});
