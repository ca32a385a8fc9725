/**
 * A .NET worker service as a Windows service: baked into patched Windows Server 2022 AMIs and
 * released into a load-balanced group, one pipeline from a CodeCommit repository to production.
 *
 * Synthesize without an AWS account: `npx cdk synth` in this folder. Deploy: see README.md.
 */
import { App, Duration, Environment, Stack, aws_codecommit as codecommit, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { NetworkStack } from '../typescript/network-stack';
import {
  ApplicationImageRecipe, BaseImage, DeploymentLoadBalancing, ImageBuildStep, ImageOperatingSystem, ImmutableAmiPipeline, PipelineBuild,
  PipelineSource, PromotionApproval, RollingAsgDeployment, VulnerabilityPolicy, VulnerabilitySeverity,
} from 'cdk-immutable-servers';

export function createWindowsServiceApp(app: App = new App()): App {
  const env: Environment = { account: app.node.tryGetContext('account') ?? '111111111111', region: app.node.tryGetContext('region') ?? 'eu-west-1' };

  const { vpc } = new NetworkStack(app, 'WorkerNetwork', { env });
  const production = new Stack(app, 'Worker-prod', { env });
  const deployment = new RollingAsgDeployment(production, 'Worker', {
    applicationName: 'worker',
    environmentName: 'prod',
    operatingSystem: ImageOperatingSystem.WINDOWS,
    vpc,
    instanceType: new ec2.InstanceType('t3.large'),
    applicationPort: 5000,
    loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
    healthCheck: { path: '/healthz' },
    // Windows instances take minutes to boot and start the service.
    rollout: { instanceWarmup: Duration.minutes(10), bakeTime: Duration.minutes(10) },
    // The service reads these from its registry key's Environment value.
    environment: { DOTNET_ENVIRONMENT: 'Production' },
  });

  const pipelineStack = new Stack(app, 'WorkerPipeline', { env });
  const recipe = new ApplicationImageRecipe(pipelineStack, 'WorkerImage', {
    applicationName: 'worker',
    baseImage: BaseImage.windowsServer2022(),
    // No artifact: the pipeline below bakes each build's archive (tar.gz, which tar.exe unpacks).
    // Installed into C:\Program Files\worker and run as NT SERVICE\worker; quoted for the space.
    startCommand: '"C:\\Program Files\\worker\\Worker.exe"',
    buildSteps: [ImageBuildStep.powerShell('EnableLongPaths', [
      "Set-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\FileSystem' -Name LongPathsEnabled -Value 1",
    ])],
    // The image ships only if the service is running on its own after boot and answers here.
    healthCheck: { port: 5000, path: '/healthz' },
    // Amazon Inspector (activated in the account) scans each image; prod's policy judges it.
    vulnerabilityScanning: true,
  });
  new ImmutableAmiPipeline(pipelineStack, 'Pipeline', {
    source: PipelineSource.codeCommit({ repository: codecommit.Repository.fromRepositoryName(pipelineStack, 'Repository', 'worker'), branch: 'main' }),
    // Cross-compiled on CodeBuild's Linux image into a self-contained Windows build.
    applicationBuild: PipelineBuild.commands({
      commands: ['dotnet test', 'dotnet publish src/Worker -c Release -r win-x64 --self-contained -o dist'],
      applicationDirectory: 'dist',
    }),
    recipe,
    // Windows image builds take longer than Linux ones.
    bakeTimeout: Duration.hours(3),
    environments: [{
      name: 'prod',
      deployment,
      approval: PromotionApproval.manual(),
      soakPeriod: Duration.minutes(30),
      vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH),
    }],
  });
  return app;
}

if (require.main === module) {
  createWindowsServiceApp().synth();
}
