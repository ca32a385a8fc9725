import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import {
  App, Aws, Duration, Fn, RemovalPolicy, Stack,
  aws_codebuild as codebuild, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_ec2 as ec2,
  aws_s3 as s3, aws_s3_deployment as s3deploy,
} from 'aws-cdk-lib';
import { EnvironmentPromotion, RollingAsgDeployment } from '../src';
import { helloImageStack } from './helpers/hello-image';

/**
 * Promotes one baked AMI through dev and qa with a real pipeline, and checks the ledgers, tags
 * and workflows a promotion leaves behind:
 * 1. the image stack bakes the hello app into an AMI;
 * 2. dev and qa each run a deployment, with no release yet (the ledger's placeholder);
 * 3. the pipeline's Bake stage writes a release manifest naming that AMI for this account and
 *    region, as the bake will; the promotion adds a stage per environment: dev releases and soaks
 *    against its rollback alarms, then qa releases.
 * A real run asserts that both stages succeed, that qa's ledger names the AMI, that the AMI is
 * tagged in use by qa's stack, and that returning dev to its previous release is refused, as dev
 * has had one release only.
 */
const app = new App();
const env = { region: 'us-east-1' };

const { image } = helloImageStack(app, 'PromotionIntegImage', { env });

const networkStack = new Stack(app, 'PromotionIntegNetwork', { env });
const vpc = new ec2.Vpc(networkStack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const [dev, qa] = ['dev', 'qa'].map((environmentName) => {
  const stack = new Stack(app, `PromotionInteg-${environmentName}`, { env });
  return new RollingAsgDeployment(stack, 'Hello', {
    applicationName: 'hello',
    environmentName,
    vpc,
    instanceType: new ec2.InstanceType('t3.small'),
    applicationPort: 8080,
    healthCheck: { path: '/index.html', gracePeriod: Duration.minutes(2) },
  });
});

const pipelineStack = new Stack(app, 'PromotionIntegPipeline', { env });
const manifests = new s3.Bucket(pipelineStack, 'Manifests', {
  versioned: true, enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true,
});
// A source for the pipeline to start from, zipped as CodePipeline's S3 source expects it.
const sourceUpload = new s3deploy.BucketDeployment(pipelineStack, 'Source', {
  destinationBucket: manifests,
  sources: [s3deploy.Source.asset(path.join(__dirname, 'fixtures', 'release-source'))],
  extract: false,
});
const source = new codepipeline.Artifact('Source');
const baked = new codepipeline.Artifact('Baked');
const pipeline = new codepipeline.Pipeline(pipelineStack, 'Pipeline', { pipelineType: codepipeline.PipelineType.V2 });
pipeline.addStage({
  stageName: 'Source',
  actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: manifests, bucketKey: Fn.select(0, sourceUpload.objectKeys), output: source })],
});
// Stands for the bake: writes the release manifest naming the image baked above for this account
// and region, as the bake's output artifact.
pipeline.addStage({
  stageName: 'Bake',
  actions: [new actions.CodeBuildAction({
    actionName: 'Manifest',
    input: source,
    outputs: [baked],
    project: new codebuild.PipelineProject(pipelineStack, 'Manifest', {
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 },
      environmentVariables: { AMI_ID: { value: image.attrImageId }, IMAGE_KEY: { value: `${Aws.ACCOUNT_ID}/${env.region}` } },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          build: {
            commands: [
              'printf \'{"version":"integ-1","commitId":"0123456789abcdef0123456789abcdef01234567","commitMessage":"Integ release",'
                + '"pipelineExecutionId":"integ-execution","images":{"%s":"%s"}}\' "$IMAGE_KEY" "$AMI_ID" > release.json',
            ],
          },
        },
        artifacts: { files: ['release.json'] },
      }),
    }),
  })],
});
const promotion = new EnvironmentPromotion(pipelineStack, 'Promotion', {
  environments: [
    { name: 'dev', deployment: dev, soakPeriod: Duration.minutes(5) },
    { name: 'qa', deployment: qa },
  ],
});
promotion.addToPipeline(pipeline, { releaseManifest: baked.atPath('release.json') });
for (const deployment of [dev, qa]) {
  pipelineStack.addStackDependency(deployment.ledgerStack);
  pipelineStack.addStackDependency(Stack.of(deployment));
}

const integ = new IntegTest(app, 'PromotionTest', {
  testCases: [pipelineStack],
  assertionStack: new Stack(app, 'PromotionIntegAssertions', { env }),
});
const stageSucceeded = (stageName: string) => Match.objectLike({ stageName, latestExecution: Match.objectLike({ status: 'Succeeded' }) });
const promoted = integ.assertions
  .awsApiCall('CodePipeline', 'getPipelineState', { name: pipeline.pipelineName })
  .expect(ExpectedResult.objectLike({ stageStates: Match.arrayWith([stageSucceeded('dev'), stageSucceeded('qa')]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(60), interval: Duration.minutes(1) });
const qaLedger = integ.assertions
  .awsApiCall('SSM', 'getParameter', { Name: qa.releaseTarget.amiParameterName })
  .expect(ExpectedResult.objectLike({ Parameter: { Value: image.attrImageId } }));
// Found only when the AMI carries both tags, in whatever order EC2 lists them.
const qaTags = integ.assertions
  .awsApiCall('EC2', 'describeImages', {
    ImageIds: [image.attrImageId],
    Filters: [
      { Name: 'tag:immutable-servers:in-use', Values: ['true'] },
      { Name: `tag:immutable-servers:in-use-by:${qa.releaseTarget.stackName}`, Values: ['qa'] },
    ],
  })
  .expect(ExpectedResult.objectLike({ Images: [Match.objectLike({ ImageId: image.attrImageId })] }));
const returnDev = integ.assertions.awsApiCall('StepFunctions', 'startExecution', {
  stateMachineArn: promotion.environments[0].releaseStateMachine.stateMachineArn,
  input: JSON.stringify({ returnToPreviousRelease: true }),
});
const refused = integ.assertions
  .awsApiCall('StepFunctions', 'describeExecution', { executionArn: returnDev.getAttString('executionArn') })
  .expect(ExpectedResult.objectLike({ status: 'FAILED', error: 'NoPreviousRelease' }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });
promoted.next(qaLedger).next(qaTags).next(returnDev).next(refused);

app.synth();
