import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Fn, RemovalPolicy, Stack, aws_ec2 as ec2, aws_s3 as s3, aws_s3_deployment as s3deploy } from 'aws-cdk-lib';
import { ImmutableAmiPipeline, PipelineBuild, PipelineSource, RollingAsgDeployment } from '../src';
import { helloArtifact, helloRecipe } from './helpers/hello-image';

/**
 * The whole path with real services: an S3 source (the hello app's pages), a CodeBuild build that
 * puts them in `dist`, the bake (package, image build, manifest), and a release into dev.
 * A real run asserts that the pipeline execution succeeds through dev, that dev's ledger names an
 * AMI, and that this AMI carries the bake's fingerprint and the release's provenance tags.
 */
const app = new App();
const env = { region: 'us-east-1' };

const stack = new Stack(app, 'PipelineInteg', { env });
const devStack = new Stack(app, 'PipelineInteg-dev', { env });
const dev = new RollingAsgDeployment(devStack, 'Hello', {
  applicationName: 'hello',
  environmentName: 'dev',
  vpc: new ec2.Vpc(devStack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
  instanceType: new ec2.InstanceType('t3.small'),
  applicationPort: 8080,
  healthCheck: { path: '/index.html', gracePeriod: Duration.minutes(2) },
});

const sources = new s3.Bucket(stack, 'Sources', { versioned: true, enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
const upload = new s3deploy.BucketDeployment(stack, 'Source', {
  destinationBucket: sources,
  sources: [s3deploy.Source.asset(path.join(__dirname, 'fixtures', 'pipeline-source'))],
  extract: false,
});
const recipe = helloRecipe(stack, 'HelloImage', helloArtifact(stack, 'HelloApp'), {
  applicationName: 'hello',
  healthCheck: { port: 8080, path: '/index.html' },
});
const pipeline = new ImmutableAmiPipeline(stack, 'Hello', {
  source: PipelineSource.s3({ bucket: sources, key: Fn.select(0, upload.objectKeys) }),
  applicationBuild: PipelineBuild.commands({ commands: ['mkdir -p dist', 'cp index.html dist/'], applicationDirectory: 'dist' }),
  recipe,
  environments: [{ name: 'dev', deployment: dev }],
});
stack.addStackDependency(dev.ledgerStack);
stack.addStackDependency(devStack);

const integ = new IntegTest(app, 'PipelineTest', { testCases: [stack], assertionStack: new Stack(app, 'PipelineIntegAssertions', { env }) });
const succeeded = (stageName: string) => Match.objectLike({ stageName, latestExecution: Match.objectLike({ status: 'Succeeded' }) });
const released = integ.assertions
  .awsApiCall('CodePipeline', 'getPipelineState', { name: pipeline.pipeline.pipelineName })
  .expect(ExpectedResult.objectLike({ stageStates: Match.arrayWith([succeeded('Build'), succeeded('Bake'), succeeded('dev')]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(120), interval: Duration.minutes(2) });
const ledger = integ.assertions.awsApiCall('SSM', 'getParameter', { Name: dev.releaseTarget.amiParameterName });
ledger.expect(ExpectedResult.objectLike({ Parameter: { Value: Match.stringLikeRegexp('^ami-') } }));
// Found only when the AMI carries the fingerprint and the in-use tag of dev.
const provenance = integ.assertions
  .awsApiCall('EC2', 'describeImages', {
    ImageIds: [ledger.getAttString('Parameter.Value')],
    Filters: [
      { Name: 'tag-key', Values: ['immutable-servers:fingerprint'] },
      { Name: `tag:immutable-servers:in-use-by:${dev.releaseTarget.stackName}`, Values: ['dev'] },
    ],
  })
  .expect(ExpectedResult.objectLike({ Images: [Match.objectLike({ State: 'available' })] }));
released.next(ledger).next(provenance);

app.synth();
