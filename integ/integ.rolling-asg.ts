import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { DeploymentLoadBalancing, RollingAsgDeployment } from '../src';
import { helloImageStack } from './helpers/hello-image';
import { ledgerReleaseStack } from './helpers/ledger-release';

/**
 * Releases a baked AMI into an environment, as a release workflow would, and checks it runs:
 * 1. the image stack bakes the hello app into an AMI;
 * 2. the deployment's companion ledger stack creates the ledger (placeholder, version "none");
 * 3. the release stack writes the ledger as a release does (AMI, version, commit);
 * 4. the environment stack resolves the ledger and runs the group behind a load balancer.
 * A real run asserts that the group's instances are InService on the released AMI, carry the
 * release's tags, and that the load balancer answers 200.
 */
const app = new App();
const env = { region: 'us-east-1' };

const { image } = helloImageStack(app, 'RollingAsgIntegImage', { env });

const environmentStack = new Stack(app, 'RollingAsgIntegEnvironment', { env });
const vpc = new ec2.Vpc(environmentStack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const deployment = new RollingAsgDeployment(environmentStack, 'Hello', {
  applicationName: 'hello',
  environmentName: 'integ',
  vpc,
  instanceType: new ec2.InstanceType('t3.small'),
  applicationPort: 8080,
  minCapacity: 2,
  loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
  healthCheck: { path: '/index.html', gracePeriod: Duration.minutes(2) },
});

// The release, as the release workflow writes it, between the ledger's creation and the
// environment stack that resolves it.
ledgerReleaseStack(app, 'RollingAsgIntegRelease', deployment, image.attrImageId, { env });

const integ = new IntegTest(app, 'RollingAsgTest', {
  testCases: [environmentStack],
  // In the same region: the assertions read the image and environment stacks' values.
  assertionStack: new Stack(app, 'RollingAsgIntegAssertions', { env }),
});
integ.assertions
  .awsApiCall('AutoScaling', 'describeAutoScalingGroups', { AutoScalingGroupNames: [deployment.autoScalingGroup.autoScalingGroupName] })
  .expect(ExpectedResult.objectLike({
    AutoScalingGroups: [Match.objectLike({
      Instances: [Match.objectLike({ LifecycleState: 'InService', HealthStatus: 'Healthy' }), Match.objectLike({ LifecycleState: 'InService', HealthStatus: 'Healthy' })],
    })],
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.seconds(30) });
integ.assertions
  .awsApiCall('EC2', 'describeInstances', {
    Filters: [
      { Name: 'tag:aws:autoscaling:groupName', Values: [deployment.autoScalingGroup.autoScalingGroupName] },
      { Name: 'instance-state-name', Values: ['running'] },
      { Name: 'image-id', Values: [image.attrImageId] },
      { Name: 'tag:immutable-servers:release-version', Values: ['integ-1'] },
    ],
  })
  .expect(ExpectedResult.objectLike({
    Reservations: Match.arrayWith([Match.objectLike({ Instances: Match.arrayWith([Match.objectLike({ ImageId: image.attrImageId })]) })]),
  }));
integ.assertions
  .httpApiCall(`${deployment.url}/index.html`)
  .expect(ExpectedResult.objectLike({ status: 200 }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) });

app.synth();
