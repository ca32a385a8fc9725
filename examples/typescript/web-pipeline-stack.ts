import { Stack, StackProps, aws_events as events } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApplicationImageRecipe, ImmutableAmiPipeline, PipelineBuild, PipelineSource, PromotionEnvironment } from 'cdk-immutable-servers';

export interface WebPipelineStackProps extends StackProps {
  /** The CodeConnections connection to the service's repository (created once in the console). */
  readonly connectionArn: string;
  /** `owner/repository` of the service's repository. */
  readonly repository: string;
  /** The environments a release goes through, in order. */
  readonly environments: PromotionEnvironment[];
}

/**
 * Commit to production: each push to `main` is built and tested (the service's buildspec), baked
 * into an AMI only when what is installed changed, and promoted (the same AMI) through the
 * environments.
 */
export class WebPipelineStack extends Stack {
  public readonly pipeline: ImmutableAmiPipeline;

  constructor(scope: Construct, id: string, props: WebPipelineStackProps) {
    super(scope, id, props);
    const recipe = new ApplicationImageRecipe(this, 'WebImage', {
      applicationName: 'web',
      // No artifact: the pipeline below bakes each build's archive.
      // Amazon Linux 2023's Node.js 20 package installs the runtime as node-20.
      runtimePackages: ['nodejs20'],
      startCommand: '/usr/bin/node-20 /opt/web/server.js',
      healthCheck: { port: 8080, path: '/health' },
      // Amazon Inspector (activated in the account) scans each image; each environment's
      // vulnerability policy judges what it found before a release.
      vulnerabilityScanning: true,
    });
    const [owner, repository] = props.repository.split('/');
    this.pipeline = new ImmutableAmiPipeline(this, 'Pipeline', {
      source: PipelineSource.connection({ connectionArn: props.connectionArn, owner, repository, branch: 'main' }),
      applicationBuild: PipelineBuild.buildSpecFile({ applicationDirectory: 'dist' }),
      recipe,
      environments: props.environments,
      // Weekly: bakes the newest patched Amazon Linux under the released code, and releases it
      // only if the parent image changed.
      patchRebuildSchedule: events.Schedule.cron({ weekDay: 'SUN', hour: '2', minute: '0' }),
    });
  }
}
