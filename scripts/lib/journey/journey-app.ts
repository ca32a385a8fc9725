/**
 * The app the journeys run: the `web` service through dev, qa and prod in three accounts and two
 * regions, from a repository connection, with weekly patch rebuilds. dev runs in the pipeline's
 * account and region; qa in another account, where its workflows live (`cdk bootstrap --trust`);
 * prod in a third account and region, reached through its dedicated release role, with
 * break-glass access. A journey may add an environment in a fourth account later, or run dev on
 * Graviton, with a recipe per architecture, or keep its state on data volumes.
 */
import { App, Duration, Size, Stack, aws_ec2 as ec2, aws_events as events, aws_iam as iam } from 'aws-cdk-lib';
import {
  ApplicationImageRecipe, BaseImage, DeploymentLoadBalancing, ImmutableAmiPipeline, PipelineBuild, PipelineSource, PromotionApproval,
  PromotionEnvironment, RollingAsgDeployment, VulnerabilityPolicy, VulnerabilitySeverity,
} from '../../../src';

export const PIPELINE_ACCOUNT = '111111111111';
export const PIPELINE_REGION = 'eu-west-1';
export const CONNECTION_ARN = `arn:aws:codeconnections:${PIPELINE_REGION}:${PIPELINE_ACCOUNT}:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718`;

/** Where each environment of the journeys runs. */
export const ENVIRONMENTS = {
  dev: { account: PIPELINE_ACCOUNT, region: PIPELINE_REGION },
  qa: { account: '222222222222', region: PIPELINE_REGION },
  prod: { account: '333333333333', region: 'us-east-1' },
  /** Added by a journey after the first releases. */
  staging: { account: '444444444444', region: 'eu-central-1' },
} as const;

export type EnvironmentName = keyof typeof ENVIRONMENTS;

export interface JourneyAppOptions {
  /** Whether the staging environment (a fourth account, a third region) exists yet, between qa and prod. */
  readonly withStaging?: boolean;
  /** Whether dev runs Graviton (arm64) instances, and the pipeline bakes for x86_64 and arm64. */
  readonly gravitonDev?: boolean;
  /**
   * Whether dev keeps its state on data volumes: its instances in one Availability Zone, two of
   * them and up to four, so four volumes (a scale-out after a scale-in has a fresh slot to pass over).
   */
  readonly statefulDev?: boolean;
  /** Where the assembly is written. */
  readonly outdir?: string;
}

/** The instance type of each environment's instances. */
export function instanceTypeOf(environment: EnvironmentName, options: Pick<JourneyAppOptions, 'gravitonDev'>): ec2.InstanceType {
  return new ec2.InstanceType(environment === 'dev' && options.gravitonDev ? 't4g.small' : 't3.small');
}

/** The mount path of a stateful dev's data volume. */
const DATA_DIRECTORY = '/var/lib/web';

export function journeyApp(options: JourneyAppOptions = {}): App {
  // A stateful dev needs real zone names (its volumes are created in one): what `cdk context` would hold for its account and region.
  const context = options.statefulDev
    ? { [`availability-zones:account=${ENVIRONMENTS.dev.account}:region=${ENVIRONMENTS.dev.region}`]: ['eu-west-1a', 'eu-west-1b'] }
    : undefined;
  const app = new App({ outdir: options.outdir, context });
  type DeploymentOptions = Partial<ConstructorParameters<typeof RollingAsgDeployment>[2]>;
  const deployment = (name: EnvironmentName, extra: DeploymentOptions | ((vpc: ec2.Vpc) => DeploymentOptions) = {}) => {
    const stack = new Stack(app, `web-${name}`, { env: ENVIRONMENTS[name] });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    return new RollingAsgDeployment(stack, 'Web', {
      applicationName: 'web',
      environmentName: name,
      vpc,
      instanceType: instanceTypeOf(name, options),
      applicationPort: 8080,
      minCapacity: 2,
      loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
      healthCheck: { path: '/health' },
      ...typeof extra === 'function' ? extra(vpc) : extra,
    });
  };
  const stateful = (vpc: ec2.Vpc): DeploymentOptions => ({
    // A volume lives in one Availability Zone: so do the instances that use it.
    vpcSubnets: { subnets: [vpc.privateSubnets[0]] },
    maxCapacity: 4,
    dataVolume: { size: Size.gibibytes(20), mountPath: DATA_DIRECTORY },
    environment: { DATA_DIR: DATA_DIRECTORY },
  });
  const environments: PromotionEnvironment[] = [
    { name: 'dev', deployment: deployment('dev', options.statefulDev ? stateful : {}), soakPeriod: Duration.minutes(15) },
    { name: 'qa', deployment: deployment('qa'), approval: PromotionApproval.manual(), soakPeriod: Duration.minutes(30) },
    ...options.withStaging ? [{ name: 'staging', deployment: deployment('staging'), approval: PromotionApproval.manual() }] : [],
    {
      name: 'prod',
      deployment: deployment('prod', {
        releaseRole: { trustedAccounts: [PIPELINE_ACCOUNT] },
        breakGlass: { principals: [new iam.AccountPrincipal(ENVIRONMENTS.prod.account)] },
      }),
      approval: PromotionApproval.manual(),
      soakPeriod: Duration.hours(1),
      vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH),
    },
  ];
  const pipelineStack = new Stack(app, 'web-pipeline', { env: { account: PIPELINE_ACCOUNT, region: PIPELINE_REGION } });
  const recipe = (id: string, architecture: ec2.InstanceArchitecture) => new ApplicationImageRecipe(pipelineStack, id, {
    applicationName: 'web',
    baseImage: BaseImage.amazonLinux2023(architecture),
    runtimePackages: ['nodejs20'],
    startCommand: '/usr/bin/node-20 /opt/web/server.js',
    healthCheck: { port: 8080, path: '/health' },
    vulnerabilityScanning: true,
  });
  new ImmutableAmiPipeline(pipelineStack, 'Pipeline', {
    source: PipelineSource.connection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repository: 'web', branch: 'main' }),
    applicationBuild: PipelineBuild.commands({ commands: ['npm ci', 'npm test'], applicationDirectory: 'dist' }),
    recipes: [
      recipe('Image', ec2.InstanceArchitecture.X86_64),
      ...options.gravitonDev ? [recipe('ArmImage', ec2.InstanceArchitecture.ARM_64)] : [],
    ],
    environments,
    patchRebuildSchedule: events.Schedule.cron({ weekDay: 'MON', hour: '4', minute: '0' }),
  });
  return app;
}
