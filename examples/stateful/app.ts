/**
 * A small order service that keeps its data on an EBS volume of its own: baked into AMIs, released
 * by replacing instances, each replacement taking over its predecessor's volume.
 *
 * Synthesize without an AWS account: `npx cdk synth` in this folder. Deploy: see README.md.
 */
import { App, Environment, Size, Stack, aws_codecommit as codecommit, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { NetworkStack } from '../typescript/network-stack';
import {
  ApplicationImageRecipe, BaseImage, DeploymentLoadBalancing, ImmutableAmiPipeline, PipelineBuild, PipelineSource, PromotionApproval,
  RollingAsgDeployment,
} from 'cdk-immutable-servers';

export function createStatefulServiceApp(app: App = new App()): App {
  const env: Environment = { account: app.node.tryGetContext('account') ?? '111111111111', region: app.node.tryGetContext('region') ?? 'eu-west-1' };

  const { vpc } = new NetworkStack(app, 'OrdersNetwork', { env });
  const production = new Stack(app, 'Orders-prod', { env });
  const deployment = new RollingAsgDeployment(production, 'Orders', {
    applicationName: 'orders',
    environmentName: 'prod',
    vpc,
    // A volume lives in one Availability Zone: so do the instances that use it.
    vpcSubnets: { subnets: [vpc.privateSubnets[0]] },
    instanceType: new ec2.InstanceType('t4g.small'),
    applicationPort: 8080,
    loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
    healthCheck: { path: '/health' },
    minCapacity: 1,
    maxCapacity: 2,
    // Each instance's orders, kept over every release; snapshotted before each one.
    dataVolume: { size: Size.gibibytes(20), mountPath: '/var/lib/orders' },
    environment: { DATA_DIR: '/var/lib/orders' },
  });

  const pipelineStack = new Stack(app, 'OrdersPipeline', { env });
  const recipe = new ApplicationImageRecipe(pipelineStack, 'OrdersImage', {
    applicationName: 'orders',
    baseImage: BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64),
    runtimePackages: ['nodejs20'],
    startCommand: '/usr/bin/node-20 /opt/orders/server.js',
    healthCheck: { port: 8080, path: '/health' },
  });
  new ImmutableAmiPipeline(pipelineStack, 'Pipeline', {
    source: PipelineSource.codeCommit({ repository: codecommit.Repository.fromRepositoryName(pipelineStack, 'Repository', 'orders'), branch: 'main' }),
    applicationBuild: PipelineBuild.commands({ commands: ['npm test', 'mkdir dist', 'cp server.js package.json dist/'], applicationDirectory: 'dist' }),
    recipe,
    environments: [{ name: 'prod', deployment, approval: PromotionApproval.manual() }],
  });
  return app;
}

if (require.main === module) {
  createStatefulServiceApp().synth();
}
