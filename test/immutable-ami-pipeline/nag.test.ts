import { App, Duration, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApplicationImageRecipe, PromotionApproval } from '../../src';
import { ImmutableAmiPipeline } from '../../src/immutable-ami-pipeline';
import { PipelineBuild } from '../../src/pipeline-build';
import { PipelineSource } from '../../src/pipeline-source';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../helpers/nag';
import { PIPELINE_ENV, PROD_ENV, QA_ENV, environmentStack } from '../helpers/promotion-app';

describe('ImmutableAmiPipeline under cdk-nag', () => {
  test('given a pipeline into three accounts and two regions, then nothing it creates has a finding, and every acknowledgement says why', () => {
    const app = new App();
    const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    const recipe = new ApplicationImageRecipe(stack, 'Image', {
      applicationName: 'web',
      artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
      startCommand: '/opt/web/bin/server',
    });
    new ImmutableAmiPipeline(stack, 'Web', {
      source: PipelineSource.connection({
        connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718', owner: 'my-org', repository: 'web', branch: 'main',
      }),
      applicationBuild: PipelineBuild.commands({ commands: ['npm ci', 'npm run build'], applicationDirectory: 'dist' }),
      recipe,
      environments: [
        { name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment, soakPeriod: Duration.minutes(10) },
        { name: 'qa', deployment: environmentStack(app, 'qa', QA_ENV).deployment, soakPeriod: Duration.minutes(10) },
        { name: 'prod', deployment: environmentStack(app, 'prod', PROD_ENV).deployment, approval: PromotionApproval.manual() },
      ],
    });

    // The test's VPCs are the user's, not the pipeline's.
    const findings = awsSolutionsFindings(app).filter((finding) => !/^Web-\w+\/Vpc\//.test(finding.path));
    expect([...new Set(findings.map((finding) => `${finding.rule} at ${finding.path}`))]).toEqual([]);
    expect(nagAcknowledgements(app).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
  });
});
