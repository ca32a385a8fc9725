import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Size, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { RollingAsgDeployment } from '../src';
import { helloImageStack } from './helpers/hello-image';
import { ledgerReleaseStack } from './helpers/ledger-release';

/**
 * A stateful environment, released as in integ.rolling-asg.ts: its group runs in one zone with a
 * data volume per slot (two), and the launching hook's workflow hands one to its one instance.
 * A real run asserts that the instance is InService, and that exactly one of the environment's
 * volumes is attached, as /dev/xvdf, and tagged as used. The volumes are destroyed with the test.
 */
const app = new App();
const env = { region: 'us-east-1' };

const { image } = helloImageStack(app, 'StatefulIntegImage', { env });

const environmentStack = new Stack(app, 'StatefulIntegEnvironment', { env });
const vpc = new ec2.Vpc(environmentStack, 'Vpc', { maxAzs: 1, natGateways: 1 });
const deployment = new RollingAsgDeployment(environmentStack, 'Hello', {
  applicationName: 'hello',
  environmentName: 'integ',
  vpc,
  instanceType: new ec2.InstanceType('t3.small'),
  applicationPort: 8080,
  minCapacity: 1,
  maxCapacity: 2,
  healthCheck: { path: '/index.html', gracePeriod: Duration.minutes(2) },
  dataVolume: { size: Size.gibibytes(1), mountPath: '/var/lib/hello', removalPolicy: RemovalPolicy.DESTROY },
});

ledgerReleaseStack(app, 'StatefulIntegRelease', deployment, image.attrImageId, { env });

const integ = new IntegTest(app, 'StatefulTest', {
  testCases: [environmentStack],
  assertionStack: new Stack(app, 'StatefulIntegAssertions', { env }),
});
integ.assertions
  .awsApiCall('AutoScaling', 'describeAutoScalingGroups', { AutoScalingGroupNames: [deployment.autoScalingGroup.autoScalingGroupName] })
  .expect(ExpectedResult.objectLike({
    AutoScalingGroups: [Match.objectLike({ Instances: [Match.objectLike({ LifecycleState: 'InService', HealthStatus: 'Healthy' })] })],
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) });
integ.assertions
  .awsApiCall('EC2', 'describeVolumes', {
    Filters: [
      { Name: 'tag:immutable-servers:data-volume-of', Values: [environmentStack.stackName] },
      { Name: 'attachment.status', Values: ['attached'] },
      { Name: 'tag:immutable-servers:data-volume-used', Values: ['true'] },
    ],
  })
  .expect(ExpectedResult.objectLike({
    Volumes: [Match.objectLike({ Size: 1, Encrypted: true, Attachments: [Match.objectLike({ Device: '/dev/xvdf', State: 'attached' })] })],
  }));

app.synth();
