import {
  App, Duration, Stack, StackProps, Validations,
  aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_ec2 as ec2, aws_events as events, aws_iam as iam,
  aws_s3 as s3, aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  ApplicationImageRecipe, BaseImage, DeploymentLoadBalancing, DeploymentWindow, EnvironmentPromotion, ImageBuildStep, ImageRetention,
  PromotionApproval, RollingAsgDeployment,
} from '../src';

/**
 * Bakes a web application into an AMI: patched Amazon Linux 2023, the CloudWatch agent, and the
 * app from a tarball in S3 as a systemd service that must answer /health before the AMI ships.
 */
export class WebImageStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const artifacts = s3.Bucket.fromBucketName(this, 'Artifacts', 'my-build-artifacts');
    new ApplicationImageRecipe(this, 'WebImage', {
      applicationName: 'web',
      artifact: { bucket: artifacts, key: 'web/web-1.4.2.tar.gz' },
      startCommand: '/opt/web/bin/server --port 8080',
      runtimePackages: ['nodejs20'],
      healthCheck: { port: 8080, path: '/health' },
      amiIdParameterName: '/web/latest-ami',
      buildSteps: [ImageBuildStep.awsManagedComponent('aws-cli-version-2-linux')],
      // Rebuild weekly, but only when a newer Amazon Linux or component version exists.
      rebuildSchedule: events.Schedule.cron({ weekDay: 'SUN', hour: '2', minute: '0' }),
      imageRetention: ImageRetention.age(Duration.days(60)),
    });
  }
}

/**
 * Bakes a .NET worker service into a patched Windows Server 2022 AMI as an automatic Windows
 * service, shared with a second account.
 */
export class WindowsServiceImageStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const artifacts = s3.Bucket.fromBucketName(this, 'Artifacts', 'my-build-artifacts');
    new ApplicationImageRecipe(this, 'WorkerImage', {
      applicationName: 'worker',
      baseImage: BaseImage.windowsServer2022(),
      artifact: { bucket: artifacts, key: 'worker/worker-2.0.0.zip' },
      startCommand: '"C:\\Program Files\\worker\\Worker.exe"',
      buildSteps: [ImageBuildStep.powerShell('EnableLongPaths', [
        "Set-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\FileSystem' -Name LongPathsEnabled -Value 1",
      ])],
      healthCheck: { port: 5000, path: '/healthz' },
      distributionTargets: [{ region: 'eu-west-1', launchPermissionAccounts: ['111111111111'] }],
    });
  }
}

/**
 * Runs the web application in production: a load-balanced group that runs whatever AMI the
 * environment's release ledger names, replaced with zero downtime by each release.
 */
export class WebProductionStack extends Stack {
  /** The production environment. */
  public readonly deployment: RollingAsgDeployment;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    vpc.addFlowLog('FlowLogs');
    this.deployment = new RollingAsgDeployment(this, 'Web', {
      applicationName: 'web',
      environmentName: 'prod',
      vpc,
      instanceType: new ec2.InstanceType('t3.small'),
      applicationPort: 8080,
      minCapacity: 2,
      loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
      healthCheck: { path: '/health' },
      environment: { LOG_LEVEL: 'info' },
      rollout: { bakeTime: Duration.minutes(10) },
      // Identities of this account that IAM allows to assume the role, with MFA, may open a logged
      // session; the touched instance is then replaced.
      breakGlass: { principals: [new iam.AccountRootPrincipal()] },
    });
  }
}

/** Properties of a `WebReleaseStack`. */
export interface WebReleaseStackProps extends StackProps {
  /** The production environment releases go to. */
  readonly production: RollingAsgDeployment;
}

/**
 * Releases baked AMIs into production: a pipeline whose source stands for the bake's release
 * manifest, then an approval, the release and a soak, inside a weekday deployment window.
 */
export class WebReleaseStack extends Stack {
  constructor(scope: Construct, id: string, props: WebReleaseStackProps) {
    super(scope, id, props);
    const manifests = new codepipeline.Artifact('ReleaseManifest');
    const pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      enableKeyRotation: true,
    });
    pipeline.addStage({
      stageName: 'Source',
      actions: [new actions.S3SourceAction({
        actionName: 'ReleaseManifest',
        bucket: s3.Bucket.fromBucketName(this, 'Manifests', 'my-release-manifests'),
        bucketKey: 'web/release.zip',
        output: manifests,
      })],
    });
    // The pipeline is yours: these are findings about aws-cdk-lib's Pipeline, not about the library.
    Validations.of(pipeline).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'The artifact bucket holds release manifests only, each read by the pipeline; CloudTrail data events can log access' },
      ...['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*', 'Action::s3:Abort*', 'Action::s3:DeleteObject*',
        'Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*', 'Resource::<PipelineArtifactsBucket22248F97.Arn>/*'].map((finding) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: 'aws-cdk-lib grants the pipeline and its source action object-level access to its own artifact bucket and key',
      })),
    );
    const approvers = new sns.Topic(this, 'Approvers', { enforceSSL: true });
    new EnvironmentPromotion(this, 'Promotion', {
      environments: [{
        name: 'prod',
        deployment: props.production,
        approval: PromotionApproval.manual({ notificationTopic: approvers }),
        soakPeriod: Duration.minutes(30),
        deploymentWindow: DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'Europe/Berlin'),
      }],
    }).addToPipeline(pipeline, { releaseManifest: manifests.atPath('release.json') });
  }
}

/** Builds the example app; tests call this to check every example stack. */
export function createExampleApp(app: App = new App()): App {
  new WebImageStack(app, 'WebImage');
  // A known region: its AMIs also go to another region, which must not turn out to be this one.
  new WindowsServiceImageStack(app, 'WorkerImage', { env: { region: 'us-east-1' } });
  // A known region: the load balancer's access logs need it.
  const production = new WebProductionStack(app, 'WebProd', { env: { region: 'eu-west-1' } });
  new WebReleaseStack(app, 'WebRelease', { env: { region: 'eu-west-1' }, production: production.deployment });
  return app;
}

if (require.main === module) {
  createExampleApp().synth();
}
