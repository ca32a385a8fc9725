import {
  Duration, Fn, Names, RemovalPolicy, Size, Stack, Tags, Token,
  aws_autoscaling as autoscaling, aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam, aws_kms as kms, aws_logs as logs, aws_s3 as s3, aws_sns as sns, aws_ssm as ssm, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ImageOperatingSystem } from './base-image';
import { DataVolumeOptions } from './data-volume';
import { ApplicationLoadBalancerOptions, DeploymentLoadBalancing, ListenerProtocol } from './deployment-load-balancing';
import { BreakGlassAccess } from './private/access/break-glass';
import { DeploymentReleaseRole } from './private/access/deployment-release-role';
import { ReleaseStackUpdate } from './private/access/release-stack-update';
import { TaintOnAccess } from './private/access/taint-on-access';
import type { ImageRequirements } from './private/image/image-compatibility';
import { architectureOf } from './private/image/recipe-architectures';
import { DATA_VOLUME_DEVICES } from './private/instances/data-volume-handover';
import { DataVolumeHandoverWorkflow, handoverTimeout } from './private/instances/data-volume-handover-workflow';
import { DataVolumeSetup } from './private/instances/data-volume-setup';
import { dataVolumeFileSystem, validateDataVolume } from './private/instances/data-volume-validation';
import { DataVolumes } from './private/instances/data-volumes';
import {
  AGENT_NAMESPACE, PROCESS_COUNT_METRIC, renderAgentConfiguration, renderInstanceConfiguration,
} from './private/instances/instance-configuration';
import { TERMINATE_FIRST, validateRollout, validateTerminateFirst } from './private/instances/rollout-validation';
import { SERVICE_NAME, installDirectory } from './private/instances/service-install-script';
import { acknowledgeNagFinding, nagResourceReference } from './private/nag/nag-acknowledgement';
import {
  LedgerReference, ReleaseLedger, ReleaseLedgerProps, acknowledgeLedgerProviderFindings, ledgerParameterNames, placeholderAmiParameter,
} from './private/release/release-ledger';
import { markLibraryConstruct } from './private/shared/library-construct';
import { RELEASE_TAG_KEYS } from './private/shared/release-tags';
import type { ReleaseTarget } from './release-target';

/**
 * How the group replaces its instances when a release changes the AMI: an
 * `AutoScalingInstanceRefresh` update policy. Any alarm in ALARM fails the refresh, and
 * CloudFormation rolls the stack, and so the fleet, back to the previous release.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatepolicy.html#cfn-attributes-updatepolicy-instancerefresh
 */
export interface RolloutOptions {
  /**
   * Share of the desired capacity that stays in service during the refresh, 0 to 100.
   *
   * @default 100
   */
  readonly minHealthyPercentage?: number;

  /**
   * Share of the desired capacity that may be in service or pending, 100 to 200, at most 100 above
   * `minHealthyPercentage`. Above 100, replacements launch before old instances terminate.
   *
   * @default 200
   */
  readonly maxHealthyPercentage?: number;

  /**
   * How long a new instance warms up before it counts towards the healthy share.
   *
   * @default - the health check grace period
   */
  readonly instanceWarmup?: Duration;

  /**
   * Percentages at which the refresh pauses for `checkpointDelay`, ascending, ending at 100.
   *
   * @default - no checkpoints
   */
  readonly checkpointPercentages?: number[];

  /**
   * Pause at each checkpoint, at most 48 hours.
   *
   * @default - 1 hour when checkpoints are set
   */
  readonly checkpointDelay?: Duration;

  /**
   * How long the alarms must stay OK after the last replacement before the release succeeds, at
   * most 48 hours.
   *
   * @default Duration.minutes(5)
   */
  readonly bakeTime?: Duration;

  /**
   * Alarms of your own that fail the refresh, besides the built-in ones (at most 10 in all).
   *
   * @default - none
   */
  readonly alarms?: cloudwatch.IAlarm[];
}

/**
 * The application's HTTP health check, used by the load balancer's target group.
 */
export interface DeploymentHealthCheck {
  /**
   * Path to request; must start with `/`.
   *
   * @default '/'
   */
  readonly path?: string;

  /**
   * HTTP codes that count as healthy, e.g. `200` or `200-299`.
   *
   * @default '200'
   */
  readonly healthyHttpCodes?: string;

  /**
   * Time after launch before failing health checks count: the application's start time.
   *
   * @default Duration.minutes(3)
   */
  readonly gracePeriod?: Duration;
}

/**
 * Who may use the break-glass path.
 *
 * The principals must assume the role with MFA (`aws:MultiFactorAuthPresent`): IAM users with an
 * MFA device, or roles whose own sessions carry MFA. Sessions of federated or chained roles often
 * do not, and are refused.
 *
 * Principals assume the break-glass role with MFA and open Session Manager sessions on this
 * environment's instances only, with a session document that logs every session to an encrypted
 * log group. Like every other way into an instance, a session taints the instance, which is
 * replaced after the deployment's `taintGracePeriod`.
 */
export interface BreakGlassOptions {
  /** Principals that may assume the break-glass role (with MFA). */
  readonly principals: iam.IPrincipal[];

  /**
   * How long session logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly sessionLogRetention?: logs.RetentionDays;
}

/**
 * A dedicated role that releases into one deployment, for release workflows in another account.
 *
 * The role trusts roles, not accounts: the release and soak workflow roles of the promotions in
 * this app that release into the deployment, and those listed in `trustedWorkflowRoleArns`, by
 * their ARNs (the trust policy names each account with an `aws:PrincipalArn` condition, so it
 * holds whether or not the workflow roles exist yet).
 */
export interface ReleaseRoleOptions {
  /**
   * Accounts whose release and soak workflows may assume the role: the account of the
   * `EnvironmentPromotion`, usually the pipeline account. A promotion's workflows in another
   * account fail synthesis.
   */
  readonly trustedAccounts: string[];

  /**
   * ARNs of the release and soak workflow roles of a promotion in another app, in one of
   * `trustedAccounts` (that promotion's `PromotedEnvironment.workflowRoleArns`).
   *
   * @default - only the workflow roles of the promotions in this app
   */
  readonly trustedWorkflowRoleArns?: string[];
}

/**
 * Properties of a `RollingAsgDeployment`.
 */
export interface RollingAsgDeploymentProps {
  /** Name of the application, as baked by its `ApplicationImageRecipe` (its service name). */
  readonly applicationName: string;

  /** Name of the environment, e.g. `dev`, `qa`, `prod`: lowercase letters, digits and `-`. */
  readonly environmentName: string;

  /** VPC of the instances. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets of the instances.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /** Instance type. */
  readonly instanceType: ec2.InstanceType;

  /**
   * Operating system of the application's images.
   *
   * @default ImageOperatingSystem.LINUX
   */
  readonly operatingSystem?: ImageOperatingSystem;

  /** Port the application listens on. */
  readonly applicationPort: number;

  /**
   * Instances once a release exists; before the first release the group has none.
   *
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * Most instances.
   *
   * @default - twice minCapacity, and at least 1
   */
  readonly maxCapacity?: number;

  /**
   * Desired instances, if something other than scaling policies should set it.
   *
   * @default - not set: the group starts at minCapacity
   */
  readonly desiredCapacity?: number;

  /**
   * How instances receive traffic.
   *
   * @default DeploymentLoadBalancing.none()
   */
  readonly loadBalancing?: DeploymentLoadBalancing;

  /**
   * The application's HTTP health check, for load-balanced deployments.
   *
   * @default - GET / answering 200, with a 3 minute grace period
   */
  readonly healthCheck?: DeploymentHealthCheck;

  /**
   * How releases replace instances.
   *
   * @default - launch all replacements before terminating (100 % to 200 %), 5 minutes bake time
   */
  readonly rollout?: RolloutOptions;

  /**
   * Variables of the application's service in this environment. Changing one replaces the
   * instances, as any release does.
   *
   * @default - only IMMUTABLE_SERVERS_ENVIRONMENT and IMMUTABLE_SERVERS_CONFIG_PATH
   */
  readonly environment?: Record<string, string>;

  /**
   * Size of the encrypted root volume.
   *
   * @default Size.gibibytes(8) on Linux, Size.gibibytes(50) on Windows
   */
  readonly rootVolumeSize?: Size;

  /**
   * Customer-managed key of the root volume. The key policy of a key created in the same stack
   * lets the Auto Scaling service-linked role use it; for an imported key, its owner must allow that.
   *
   * @default - the account's default EBS key
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
   */
  readonly rootVolumeKey?: kms.IKey;

  /**
   * Instance metadata hop limit, 1 to 64; raise to 2 only for containers that call IMDS.
   *
   * @default 1
   */
  readonly metadataHopLimit?: number;

  /**
   * Retention of the environment's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Command-line pattern (a regular expression) of the application's process, counted by the
   * CloudWatch agent for the "process down" alarm. The default matches a start command that runs
   * from the install folder.
   *
   * @default - `/opt/<name>/` on Linux, `Program Files\\<name>\\` on Windows
   */
  readonly processPattern?: string;

  /**
   * Break-glass access: an MFA-only role that may open logged Session Manager sessions on this
   * environment's instances. Without it, no principal is granted terminal access by this library;
   * instances that anyone gets into are tainted and replaced either way.
   *
   * @default - no break-glass role
   */
  readonly breakGlass?: BreakGlassOptions;

  /**
   * How long an instance that anyone got into (a Session Manager session, a Run Command, EC2
   * Instance Connect, an EC2 Instance Connect Endpoint tunnel, the serial console) stays in
   * service, tagged `immutable-servers:tainted`, before it is replaced. From 0 to 24 hours, in whole
   * seconds. Needs a CloudTrail trail that logs management events in the account and region.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
   * @default Duration.minutes(30)
   */
  readonly taintGracePeriod?: Duration;

  /**
   * A dedicated release role in this stack, for promotions in other accounts: it may start only
   * this stack's release stack update (which can change only which AMI runs), write only this
   * environment's ledger, tag AMIs and read the rollback alarms, and the promotion's workflows
   * assume it from their own account. Without it, the promotion puts its workflows in this
   * account, which must trust the pipeline account (`cdk bootstrap --trust`).
   *
   * @default - no dedicated release role
   */
  readonly releaseRole?: ReleaseRoleOptions;

  /**
   * Prefix of the environment's ledger and configuration parameters: `/`-separated letters,
   * digits, `_`, `.` and `-`, starting with `/`, not ending with one.
   *
   * @default `/immutable-servers/<applicationName>/<environmentName>`
   */
  readonly parameterPrefix?: string;

  /**
   * A data volume per instance that outlives the instances using it, handed from each instance to
   * its replacement: for state that cannot move to a managed service. The group then runs in one
   * Availability Zone, and releases replace one instance at a time, terminating before launching.
   *
   * @default - no data volume: the instances are stateless
   */
  readonly dataVolume?: DataVolumeOptions;
}

/**
 * One environment of an application that is replaced, never changed: an Auto Scaling group that
 * runs the AMI its release ledger names, and replaces its instances when a release changes it.
 *
 * The ledger is a set of SSM parameters in the environment's account and region (created once by
 * a companion stack the construct adds, before this stack resolves them). The stack reads them
 * through CloudFormation parameters of SSM parameter types whose defaults name them, so every
 * deploy path (`cdk deploy`, CDK Pipelines, the console, a release with `UsePreviousTemplate`)
 * converges to the current release and none reverts it. Each release is one launch template
 * version with a concrete AMI id and the release's tags, rolled out by the group's instance
 * refresh: replacements launch before old instances terminate, and the built-in alarms (unhealthy
 * targets, target 5xx rate, application process down) and your own fail the refresh and roll the
 * stack back to the previous release.
 *
 * Before the first release the group has no instances, so the stack deploys cleanly on its own.
 *
 * Instances require IMDSv2, have encrypted root volumes, no key pair and no SSH port. Their role
 * has Systems Manager core and CloudWatch agent permissions and may read the configuration path
 * `<parameterPrefix>/config/`; add more with `addToRolePolicy`.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * new RollingAsgDeployment(this, 'Web', {
 *   applicationName: 'web',
 *   environmentName: 'prod',
 *   vpc,
 *   instanceType: new ec2.InstanceType('t3.small'),
 *   applicationPort: 8080,
 *   loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
 *   healthCheck: { path: '/health' },
 * });
 */
export class RollingAsgDeployment extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The Auto Scaling group. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The launch template; each release is one version of it. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The instances' security group. */
  public readonly connections: ec2.Connections;
  /** The instances' role. */
  public readonly instanceRole: iam.IRole;
  /** The environment's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The instances' role, to grant them access to more (`grant*` methods of other resources). */
  public readonly grantPrincipal: iam.IPrincipal;
  /**
   * URL of the load balancer, for use in this stack (other stacks read `releaseTarget.urlParameterName`).
   *
   * @default - no load balancer created by the deployment
   */
  public readonly url?: string;
  /** The load balancer, when the deployment created one. */
  public readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /** The SSM parameter path instances may read for fast-changing configuration. */
  public readonly configParameterPath: string;
  /** What a release into this environment needs. */
  public readonly releaseTarget: ReleaseTarget;
  /**
   * The role break-glass principals assume (with MFA) to open a logged Session Manager session on
   * this environment's instances.
   *
   * @default - no break-glass access
   */
  public readonly breakGlassRole?: iam.IRole;
  /**
   * The dedicated release role, when `releaseRole` is given.
   *
   * @default - no dedicated release role
   */
  public readonly releaseRole?: iam.IRole;
  /**
   * How to open a break-glass session, after assuming `breakGlassRole`.
   *
   * @default - no break-glass access
   */
  public readonly breakGlassStartSessionCommand?: string;
  /**
   * The workflow that tags the instances anyone got into as tainted and replaces them after
   * `taintGracePeriod`.
   *
   * Each of its executions is the record of one access. Alarm on its failed executions to learn of
   * an instance it could not replace.
   */
  public readonly taintWorkflow: sfn.IStateMachine;
  /** Topic that receives the group's launch and termination events, including failed ones. */
  public readonly scalingEvents: sns.ITopic;
  /** The companion stack holding the ledger; deploy it before this one (CDK orders it). */
  public readonly ledgerStack: Stack;

  /**
   * What an image must be for this environment's instances to run it, which a promotion checks
   * against the recipe whose images reach them.
   *
   * @internal
   */
  public readonly _imageRequirements: ImageRequirements;

  private readonly alarms: cloudwatch.IAlarm[];
  private readonly dedicatedReleaseRole?: DeploymentReleaseRole;

  constructor(scope: Construct, id: string, props: RollingAsgDeploymentProps) {
    super(scope, id);
    markLibraryConstruct(this, 'RollingAsgDeployment');
    validateNames(props);
    validateHopLimit(props.metadataHopLimit);
    const operatingSystem = props.operatingSystem ?? ImageOperatingSystem.LINUX;
    const architecture = architectureOf(props.instanceType);
    validateWindowsArchitecture(operatingSystem, props.instanceType);
    const processPattern = props.processPattern
      ?? (operatingSystem === ImageOperatingSystem.WINDOWS ? `Program Files\\\\${props.applicationName}\\\\` : `/opt/${props.applicationName}/`);
    this._imageRequirements = {
      instanceType: props.instanceType,
      operatingSystem,
      applicationName: props.applicationName,
      applicationPort: props.applicationPort,
      processPattern,
      processPatternGiven: props.processPattern !== undefined,
    };
    const capacity = resolveCapacity(props);
    validatePort(props.applicationPort);
    const healthCheck = resolveHealthCheck(props.healthCheck);
    const prefix = props.parameterPrefix ?? `/immutable-servers/${props.applicationName}/${props.environmentName}`;
    validateParameterPrefix(prefix);
    this.configParameterPath = `${prefix}/config`;
    const ledgerNames = ledgerParameterNames(`${prefix}/release`, architecture !== undefined);
    const declaredInstanceType = architecture && { instanceType: props.instanceType.toString(), architecture };
    this.ledgerStack = this.createLedgerStack({
      names: ledgerNames,
      placeholderAmiParameter: placeholderAmiParameter(operatingSystem, architecture),
      instanceType: declaredInstanceType,
    });
    const ledger = new LedgerReference(this, 'Ledger', ledgerNames);

    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    if (props.vpc.selectSubnets(vpcSubnets).subnetIds.length === 0) {
      throw new Error(`vpcSubnets selects no subnet in VPC ${props.vpc.node.path}`);
    }
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.applicationName} ${props.environmentName} instances: no SSH, the application port from its load balancer only`,
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(props.applicationPort) });

    const role = this.createInstanceRole(props);
    this.instanceRole = role;
    this.grantPrincipal = role;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup.grantWrite(role);
    const autoScalingGroupName = Names.uniqueResourceName(this, { maxLength: 255, separator: '-' });
    const agentConfig = new ssm.StringParameter(this, 'AgentConfig', {
      description: `CloudWatch agent configuration of ${props.applicationName} in ${props.environmentName}`,
      stringValue: Stack.of(this).toJsonString(renderAgentConfiguration({
        operatingSystem,
        serviceName: props.applicationName,
        logGroupName: this.logGroup.logGroupName,
        processPattern,
      })),
    });
    agentConfig.grantRead(role);
    restrictParameterReads(role, [this.configParameterPath, agentConfig.parameterArn]);

    const dataVolume = props.dataVolume && this.createDataVolumes(props, props.dataVolume, operatingSystem, vpcSubnets, capacity.max);
    this.scalingEvents = new sns.Topic(this, 'ScalingEvents', { enforceSSL: true });
    const instanceType = ledger.instanceTypeFor(props.instanceType, architecture);
    this.launchTemplate = this.createLaunchTemplate(props, operatingSystem, instanceType, ledger, securityGroup, role, agentConfig.parameterName,
      dataVolume?.setup);
    const loadBalancing = props.loadBalancing ?? DeploymentLoadBalancing.none();
    const created = loadBalancing._applicationLoadBalancer
      ? this.createLoadBalancer(props, loadBalancing._applicationLoadBalancer, healthCheck)
      : undefined;
    this.loadBalancer = created?.loadBalancer;
    this.url = created && `${loadBalancing._applicationLoadBalancer?.protocol === ListenerProtocol.HTTPS ? 'https' : 'http'}://${created.loadBalancer.loadBalancerDnsName}`;
    const urlParameter = this.url === undefined ? undefined : new ssm.StringParameter(this, 'Url', {
      parameterName: `${prefix}/url`,
      description: `URL of ${props.applicationName} in ${props.environmentName}`,
      stringValue: this.url,
    });
    const targetGroups = [...loadBalancing._targetGroups, ...created ? [created.targetGroup] : []];
    // Alarms exist before the group: its update policy names them. Their names are literal (from
    // the group's), so that a release workflow in any stack or account can watch them.
    const builtInAlarms = [
      ...targetGroups.flatMap((group, index) => targetGroupAlarms(this, group, `${autoScalingGroupName}-targets${index + 1}`, healthCheck.gracePeriod)),
      processDownAlarm(this, autoScalingGroupName, props.applicationName),
    ];
    this.alarms = [...builtInAlarms.map(({ alarm }) => alarm), ...props.rollout?.alarms ?? []];
    const alarmNames = [...builtInAlarms.map(({ name }) => name), ...(props.rollout?.alarms ?? []).map((alarm) => alarm.alarmName)];
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets,
      launchTemplate: this.launchTemplate,
      autoScalingGroupName,
      minCapacity: capacity.min,
      maxCapacity: capacity.max,
      desiredCapacity: capacity.desired,
      healthChecks: targetGroups.length > 0
        ? autoscaling.HealthChecks.withAdditionalChecks({
          additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
          gracePeriod: healthCheck.gracePeriod,
        })
        : autoscaling.HealthChecks.ec2({ gracePeriod: healthCheck.gracePeriod }),
      updatePolicy: this.rolloutPolicy(props.rollout ?? {}, healthCheck.gracePeriod, dataVolume !== undefined),
      // Replacements for health and taint terminate first too: the new instance needs the old one's volume.
      ...dataVolume ? TERMINATE_FIRST : {},
      notifications: [{ topic: this.scalingEvents, scalingEvents: autoscaling.ScalingEvents.ALL }],
      // What a promotion's dashboard shows: in-service instances against desired capacity.
      groupMetrics: [new autoscaling.GroupMetrics(autoscaling.GroupMetric.IN_SERVICE_INSTANCES, autoscaling.GroupMetric.DESIRED_CAPACITY)],
    });
    zeroCapacityUntilFirstRelease(this.autoScalingGroup, ledger, capacity);
    if (dataVolume) {
      new DataVolumeHandoverWorkflow(this, 'DataVolumeHandover', {
        autoScalingGroup: this.autoScalingGroup,
        deploymentId: dataVolume.volumes.deploymentId,
        generation: dataVolume.volumes.generation,
        slots: dataVolume.volumes.volumes.length,
        environmentName: props.environmentName,
        waitForVolume: DATA_VOLUME_WAIT,
        device: dataVolume.setup.device,
        encryptionKey: props.dataVolume?.encryptionKey,
      });
    }
    targetGroups.forEach((group) => this.autoScalingGroup.attachToApplicationTargetGroup(group));
    if (created) {
      created.loadBalancer.connections.allowTo(this.connections, ec2.Port.tcp(props.applicationPort), 'Load balancer to the application');
    }

    // For every deployment, break-glass or not: access by any other principal is what must not
    // leave a changed instance in service.
    this.taintWorkflow = new TaintOnAccess(this, 'TaintOnAccess', {
      autoScalingGroup: this.autoScalingGroup,
      environmentName: props.environmentName,
      gracePeriod: props.taintGracePeriod,
    }).stateMachine;
    if (props.breakGlass) {
      const breakGlass = new BreakGlassAccess(this, 'BreakGlass', {
        autoScalingGroup: this.autoScalingGroup,
        instanceRole: role,
        environmentName: props.environmentName,
        principals: props.breakGlass.principals,
        sessionLogRetention: props.breakGlass.sessionLogRetention,
      });
      this.breakGlassRole = breakGlass.role;
      this.breakGlassStartSessionCommand = breakGlass.startSessionCommand;
    }

    const stackUpdate = new ReleaseStackUpdate(this, 'ReleaseStackUpdate', {
      launchTemplate: this.launchTemplate,
      autoScalingGroup: this.autoScalingGroup,
      instanceRole: role,
      alarmNames,
    });
    const target = {
      stackName: Stack.of(this).stackName,
      applicationName: props.applicationName,
      account: Stack.of(this).account,
      region: Stack.of(this).region,
      architecture,
      amiParameterName: ledgerNames.ami,
      versionParameterName: ledgerNames.version,
      commitIdParameterName: ledgerNames.commitId,
      commitMessageParameterName: ledgerNames.commitMessage,
      pipelineExecutionIdParameterName: ledgerNames.pipelineExecutionId,
      contentHashParameterName: ledgerNames.contentHash,
      fingerprintParameterName: ledgerNames.fingerprint,
      instanceType: declaredInstanceType?.instanceType,
      instanceTypeParameterName: ledgerNames.instanceType,
      architectureParameterName: ledgerNames.architecture,
      snapshotDataVolumes: props.dataVolume && (props.dataVolume.snapshotBeforeRelease ?? true),
      stackUpdateStateMachineArn: stackUpdate.stateMachineArn,
      alarmNames,
      urlParameterName: urlParameter && `${prefix}/url`,
      autoScalingGroupName,
    };
    const releaseRole = props.releaseRole && new DeploymentReleaseRole(this, 'ReleaseRole', props.releaseRole, target);
    this.dedicatedReleaseRole = releaseRole;
    this.releaseRole = releaseRole?.role;
    this.releaseTarget = { ...target, releaseRoleArn: releaseRole?.roleArn };
  }

  /** The alarms that fail a rollout: built-in and your own. */
  public get rolloutAlarms(): cloudwatch.IAlarm[] {
    return [...this.alarms];
  }

  /**
   * Lets the workflows of a promotion in this app assume the dedicated release role, by their
   * roles' literal ARNs.
   *
   * @internal
   */
  public _trustReleaseWorkflows(promotion: Construct, environmentName: string, roleArns: string[]): void {
    this.dedicatedReleaseRole?.trustWorkflowRoles(`The workflows of environment ${environmentName} of ${promotion.node.path}`, roleArns);
  }

  /** Adds a statement to the instances' role. */
  public addToRolePolicy(statement: iam.PolicyStatement): void {
    this.instanceRole.addToPrincipalPolicy(statement);
  }

  /** One data volume per slot of the group, checked against the deployment, and what the instances ready of it. */
  private createDataVolumes(props: RollingAsgDeploymentProps, volume: DataVolumeOptions, operatingSystem: ImageOperatingSystem,
    vpcSubnets: ec2.SubnetSelection, slots: number): { volumes: DataVolumes; setup: DataVolumeSetup } {
    if (Token.isUnresolved(slots)) throw new Error('A deployment with a data volume needs a literal maxCapacity: it makes one volume per instance');
    const availabilityZones = props.vpc.selectSubnets(vpcSubnets).availabilityZones;
    validateDataVolume(volume, {
      operatingSystem,
      installDirectory: installDirectory(props.applicationName),
      availabilityZones,
      region: Stack.of(this).region,
    });
    const volumes = new DataVolumes(this, 'DataVolumes', {
      volume,
      applicationName: props.applicationName,
      environmentName: props.environmentName,
      stackName: Stack.of(this).stackName,
      slots,
      availabilityZone: availabilityZones[0],
    });
    const setup = {
      mountPath: volume.mountPath,
      fileSystem: dataVolumeFileSystem(volume, operatingSystem),
      applicationName: props.applicationName,
      environmentName: props.environmentName,
      deviceTimeoutSeconds: handoverTimeout(DATA_VOLUME_WAIT).toSeconds(),
      device: operatingSystem === ImageOperatingSystem.WINDOWS ? DATA_VOLUME_DEVICES.windows : DATA_VOLUME_DEVICES.linux,
    };
    return { volumes, setup };
  }

  /** The ledger lives in a stack of its own, deployed first, so that this stack can resolve it. */
  private createLedgerStack(ledger: ReleaseLedgerProps): Stack {
    const stack = Stack.of(this);
    const ledgerStack = markLibraryConstruct(new Stack(stack.node.scope as Construct, `${Names.uniqueId(this)}-Ledger`, {
      env: { account: stack.account, region: stack.region },
      description: `Release ledger of ${this.node.path}: parameters written once here, then by releases only`,
    }), 'release ledger stack');
    new ReleaseLedger(ledgerStack, 'Ledger', ledger);
    acknowledgeLedgerProviderFindings(ledgerStack);
    stack.addStackDependency(ledgerStack, 'The environment resolves its release ledger when it deploys');
    return ledgerStack;
  }

  private createInstanceRole(props: RollingAsgDeploymentProps): iam.Role {
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Instances of ${props.applicationName} in ${props.environmentName}`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'),
      ],
    });
    const configParameters = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${this.configParameterPath.replace(/^\//, '')}/*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      resources: [configParameters],
    }));
    for (const policy of ['AmazonSSMManagedInstanceCore', 'CloudWatchAgentServerPolicy']) {
      acknowledgeNagFinding(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        `${policy} is the AWS-managed policy that Systems Manager and the CloudWatch agent document for instances; it follows the services as they change`);
    }
    acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, configParameters)}]`,
      'The application reads its fast-changing configuration from any parameter under its environment\'s configuration path, and nothing outside it');
    return role;
  }

  private createLaunchTemplate(
    props: RollingAsgDeploymentProps, operatingSystem: ImageOperatingSystem, instanceType: ec2.InstanceType, ledger: LedgerReference,
    securityGroup: ec2.ISecurityGroup, role: iam.IRole, agentConfigParameterName: string, dataVolume: DataVolumeSetup | undefined,
  ): ec2.LaunchTemplate {
    const windows = operatingSystem === ImageOperatingSystem.WINDOWS;
    const script = renderInstanceConfiguration({
      operatingSystem,
      serviceName: props.applicationName,
      environment: {
        IMMUTABLE_SERVERS_ENVIRONMENT: props.environmentName,
        IMMUTABLE_SERVERS_CONFIG_PATH: this.configParameterPath,
        ...props.environment,
      },
      agentConfigParameterName,
      dataVolume,
    });
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType,
      // The ledger's AMI, resolved by CloudFormation: a concrete id in each version.
      machineImage: { getImage: () => ({ imageId: ledger.amiId, osType: windows ? ec2.OperatingSystemType.WINDOWS : ec2.OperatingSystemType.LINUX, userData: ec2.UserData.custom('') }) },
      // On Windows at every boot (persist): the image's service starts manually, and only user data starts it.
      userData: ec2.UserData.custom(windows ? `<powershell>\n${script}</powershell>\n<persist>true</persist>` : script),
      role,
      securityGroup,
      requireImdsv2: true,
      httpPutResponseHopLimit: props.metadataHopLimit ?? 1,
      blockDevices: [{
        deviceName: windows ? '/dev/sda1' : '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs((props.rootVolumeSize ?? Size.gibibytes(windows ? 50 : 8)).toGibibytes(), {
          encrypted: true,
          kmsKey: props.rootVolumeKey,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      }],
    });
    if (props.rootVolumeKey instanceof kms.Key) {
      allowAutoScalingToUseKey(props.rootVolumeKey);
    }
    const releaseTags: Record<string, string> = {
      [RELEASE_TAG_KEYS.environment]: props.environmentName,
      [RELEASE_TAG_KEYS.version]: ledger.version,
      [RELEASE_TAG_KEYS.commitId]: ledger.commitId,
      [RELEASE_TAG_KEYS.commitMessage]: ledger.commitMessage,
      [RELEASE_TAG_KEYS.pipelineExecutionId]: ledger.pipelineExecutionId,
      [RELEASE_TAG_KEYS.contentHash]: ledger.contentHash,
      [RELEASE_TAG_KEYS.fingerprint]: ledger.fingerprint,
    };
    Object.entries(releaseTags).forEach(([key, value]) => Tags.of(launchTemplate).add(key, value));
    return launchTemplate;
  }

  private createLoadBalancer(props: RollingAsgDeploymentProps, options: ApplicationLoadBalancerOptions, healthCheck: ResolvedHealthCheck):
  { loadBalancer: elbv2.ApplicationLoadBalancer; targetGroup: elbv2.ApplicationTargetGroup } {
    if (Token.isUnresolved(Stack.of(this).region)) {
      throw new Error(`The load balancer of ${this.node.path} logs access to S3, which needs the stack's region: set env.region on the stack`);
    }
    const internetFacing = options.internetFacing ?? true;
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing,
      vpcSubnets: options.vpcSubnets ?? { subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      dropInvalidHeaderFields: true,
    });
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    loadBalancer.logAccessLogs(accessLogs);
    acknowledgeNagFinding(accessLogs, 'AwsSolutions-S1', 'This bucket receives the load balancer\'s access logs; logging access to it would need yet another bucket');
    const https = options.protocol === ListenerProtocol.HTTPS;
    const listener = loadBalancer.addListener('Listener', {
      port: https ? 443 : 80,
      protocol: https ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      certificates: options.certificate ? [options.certificate] : undefined,
      sslPolicy: https ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      open: internetFacing,
    });
    if (internetFacing) {
      acknowledgeNagFinding(loadBalancer, 'AwsSolutions-EC23', 'An internet-facing load balancer accepts its listener port from anywhere; the instances accept traffic from it only');
    }
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: props.applicationPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      healthCheck: {
        path: healthCheck.path,
        healthyHttpCodes: healthCheck.healthyHttpCodes,
        interval: Duration.seconds(15),
        healthyThresholdCount: 2,
      },
      deregistrationDelay: Duration.seconds(30),
    });
    listener.addTargetGroups('Application', { targetGroups: [targetGroup] });
    return { loadBalancer, targetGroup };
  }

  private rolloutPolicy(rollout: RolloutOptions, gracePeriod: Duration, stateful: boolean): autoscaling.UpdatePolicy {
    const minHealthyPercentage = rollout.minHealthyPercentage ?? (stateful ? TERMINATE_FIRST.minHealthyPercentage : 100);
    const maxHealthyPercentage = rollout.maxHealthyPercentage ?? (stateful ? TERMINATE_FIRST.maxHealthyPercentage : 200);
    if (stateful) validateTerminateFirst(minHealthyPercentage, maxHealthyPercentage);
    const bakeTime = rollout.bakeTime ?? Duration.minutes(5);
    validateRollout({
      minHealthyPercentage,
      maxHealthyPercentage,
      checkpointPercentages: rollout.checkpointPercentages,
      checkpointDelay: rollout.checkpointDelay,
      bakeTime,
      alarmCount: this.alarms.length,
    });
    return autoscaling.UpdatePolicy.instanceRefresh({
      strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
      minHealthyPercentage,
      maxHealthyPercentage,
      instanceWarmup: rollout.instanceWarmup ?? gracePeriod,
      checkpointPercentages: rollout.checkpointPercentages,
      checkpointDelay: rollout.checkpointDelay,
      bakeTime,
      alarms: this.alarms,
    });
  }
}

/** How long a launching instance waits for a data volume its predecessor still holds. */
const DATA_VOLUME_WAIT = Duration.minutes(10);

interface Capacity { readonly min: number; readonly max: number; readonly desired?: number }
/** An alarm and its literal name, which other stacks and accounts can use without a reference. */
interface NamedAlarm { readonly alarm: cloudwatch.Alarm; readonly name: string }
interface ResolvedHealthCheck { readonly path: string; readonly healthyHttpCodes: string; readonly gracePeriod: Duration }

/** EC2 offers Windows Server for x86_64 instances only. */
function validateWindowsArchitecture(operatingSystem: ImageOperatingSystem, instanceType: ec2.InstanceType): void {
  if (operatingSystem === ImageOperatingSystem.WINDOWS && architectureOf(instanceType) === ec2.InstanceArchitecture.ARM_64) {
    throw new Error(`instanceType ${instanceType} is an arm64 (Graviton) type, and Windows Server runs on x86_64 instances only: choose an x86_64 type such as m6i.large`);
  }
}

function validateNames(props: RollingAsgDeploymentProps): void {
  for (const [prop, value] of [['applicationName', props.applicationName], ['environmentName', props.environmentName]]) {
    // The application's name is the service its image runs; environments follow the same rule.
    if (!SERVICE_NAME.test(value)) {
      throw new Error(`${prop} must be 1 to 32 lowercase letters, digits or '-', starting with a letter, got '${value}'`);
    }
  }
}

function resolveCapacity(props: RollingAsgDeploymentProps): Capacity {
  const min = props.minCapacity ?? 2;
  const max = props.maxCapacity ?? Math.max(1, 2 * min);
  const desired = props.desiredCapacity;
  const known = [min, max, desired].every((value) => value === undefined || !Token.isUnresolved(value));
  if (known && (min < 0 || min > max)) {
    throw new Error(`minCapacity (${min}) must be from 0 to maxCapacity (${max})`);
  }
  if (known && desired !== undefined && (desired < min || desired > max)) {
    throw new Error(`desiredCapacity (${desired}) must be from minCapacity (${min}) to maxCapacity (${max})`);
  }
  return { min, max, desired };
}

function validatePort(port: number): void {
  if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`applicationPort must be an integer from 1 to 65535, got ${port}`);
  }
}

function resolveHealthCheck(healthCheck: DeploymentHealthCheck = {}): ResolvedHealthCheck {
  const path = healthCheck.path ?? '/';
  if (!Token.isUnresolved(path) && !path.startsWith('/')) {
    throw new Error(`healthCheck.path must start with '/', got '${path}'`);
  }
  return { path, healthyHttpCodes: healthCheck.healthyHttpCodes ?? '200', gracePeriod: healthCheck.gracePeriod ?? Duration.minutes(3) };
}

/**
 * Before the first release the ledger names a placeholder AMI, so the group keeps no instances;
 * the first release's update brings it to capacity.
 */
function zeroCapacityUntilFirstRelease(group: autoscaling.AutoScalingGroup, ledger: LedgerReference, capacity: Capacity): void {
  const resource = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
  const untilRelease = (value: number) => Fn.conditionIf(ledger.hasRelease.logicalId, String(value), '0').toString();
  resource.minSize = untilRelease(capacity.min);
  resource.maxSize = untilRelease(capacity.max);
  if (capacity.desired !== undefined) {
    resource.desiredCapacity = untilRelease(capacity.desired);
  }
}

/**
 * Unhealthy targets and the 5xx share of a target group: a release that serves errors rolls back.
 * Unhealthy targets must last longer than the health check grace period plus a minute, so that a
 * new instance that is still starting does not fail a healthy release.
 */
function targetGroupAlarms(scope: Construct, group: elbv2.IApplicationTargetGroup, alarmNamePrefix: string, gracePeriod: Duration): NamedAlarm[] {
  const metrics = targetGroupMetrics(group);
  const id = Names.uniqueId(group);
  const unhealthyName = `${alarmNamePrefix}-unhealthy`;
  const unhealthy = new cloudwatch.Alarm(scope, `UnhealthyTargets${id}`, {
    alarmName: unhealthyName,
    alarmDescription: 'Targets failing the health check: fails the rollout and rolls the release back',
    metric: metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: Math.max(2, Math.ceil(gracePeriod.toSeconds() / 60) + 1),
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const errorRateName = `${alarmNamePrefix}-5xx-rate`;
  const errorRate = new cloudwatch.Alarm(scope, `Target5xxRate${id}`, {
    alarmName: errorRateName,
    alarmDescription: 'More than 5 % of requests answered 5xx by the targets: fails the rollout and rolls the release back',
    metric: new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
        requests: metrics.requestCount({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      },
      period: Duration.minutes(1),
    }),
    threshold: 5,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return [{ alarm: unhealthy, name: unhealthyName }, { alarm: errorRate, name: errorRateName }];
}

/** A target group's metrics, which need the load balancer it serves: imported groups must name it. */
function targetGroupMetrics(group: elbv2.IApplicationTargetGroup): elbv2.IApplicationTargetGroupMetrics {
  try {
    return group.metrics;
  } catch (error) {
    throw new Error(`Target group ${group.node.path} needs its load balancer for the rollback alarms: import it with loadBalancerArns (${(error as Error).message})`);
  }
}

/** Fewer than one application process on some instance of the group, from the agent's procstat count. */
function processDownAlarm(scope: Construct, autoScalingGroupName: string, applicationName: string): NamedAlarm {
  const name = `${autoScalingGroupName}-process-down`;
  const alarm = new cloudwatch.Alarm(scope, 'ProcessDown', {
    alarmName: name,
    alarmDescription: `An instance runs no ${applicationName} process: fails the rollout and rolls the release back`,
    metric: new cloudwatch.Metric({
      namespace: AGENT_NAMESPACE,
      metricName: PROCESS_COUNT_METRIC,
      dimensionsMap: { AutoScalingGroupName: autoScalingGroupName },
      statistic: cloudwatch.Stats.MINIMUM,
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { alarm, name };
}

function validateHopLimit(hopLimit: number | undefined): void {
  if (hopLimit !== undefined && !Token.isUnresolved(hopLimit) && (!Number.isInteger(hopLimit) || hopLimit < 1 || hopLimit > 64)) {
    throw new Error(`metadataHopLimit must be an integer from 1 to 64, got ${hopLimit}`);
  }
}

function validateParameterPrefix(prefix: string): void {
  if (!Token.isUnresolved(prefix) && !/^(\/[A-Za-z0-9_.-]+)+$/.test(prefix)) {
    throw new Error(`parameterPrefix must be /-separated letters, digits, '_', '.' and '-', starting with '/' and not ending with one, got '${prefix}'`);
  }
}

/**
 * The Systems Manager core policy lets instances read every parameter in the account; this keeps
 * an environment's instances to their own configuration path, their agent configuration and the
 * CloudWatch agent's own parameters, whatever else is allowed.
 */
function restrictParameterReads(role: iam.Role, allowed: string[]): void {
  const stack = Stack.of(role);
  const parameterArn = (pathOrArn: string) => pathOrArn.startsWith('/')
    ? stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${pathOrArn.slice(1)}/*` })
    : pathOrArn;
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory'],
    notResources: [...allowed.map(parameterArn), stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: 'AmazonCloudWatch-*' })],
  }));
}

/**
 * The Auto Scaling service-linked role launches the instances, so it must use the root volume's
 * key, as AWS documents for customer managed keys.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 */
function allowAutoScalingToUseKey(key: kms.Key): void {
  const autoScaling = new iam.ArnPrincipal(Stack.of(key).formatArn({
    service: 'iam', region: '', resource: 'role', resourceName: 'aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [autoScaling],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    resources: ['*'],
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [autoScaling],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
  }));
}
