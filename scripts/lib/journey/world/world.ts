/**
 * One stateful simulated world that every workflow of a journey reads and writes: moto for
 * Systems Manager parameters and EC2 images, tags, instances, volumes and snapshots; simulations
 * for Image Builder (with its lifecycle policy), CloudFormation with instance refresh, CloudWatch
 * alarms, Auto Scaling with launching lifecycle hooks, EventBridge and CodePipeline; a clock that
 * days pass on. Every AWS call of every workflow is
 * checked by `AwsApi` against AWS's models and the caller's IAM statements.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AssemblyStack, assemblyStacks } from '../assembly';
import { IamAuthorizer, RoleDirectory } from '../authorization';
import { AwsApi } from '../aws-api';
import { deployedRoles } from '../deployed-roles';
import { MotoServer, startMotoServer } from '../moto-server';
import { AutoScalingSimulation } from './auto-scaling';
import { CodeBuildSimulation } from '../pipeline/codebuild';
import { PipelineSimulation } from '../pipeline/pipeline-simulation';
import { resolve } from '../template-resolution';
import { WorkflowRunner } from '../workflows';
import { AlarmSimulation } from './alarms';
import { CloudFormationSimulation, SimulatedGroup, SimulatedStack, autoScalingGroupArn } from './cloudformation';
import { EventBridgeSimulation } from './event-bridge';
import { ImageBuilderSimulation } from './image-builder';
import { LaunchHookSimulation } from './launch-hooks';
import { runLifecyclePolicy } from './lifecycle';
import { MotoClients } from './moto-services';
import { RunCommandSimulation } from './run-command';
import { withAttachmentRules } from './volume-attachments';

const DAY_MS = 24 * 3600 * 1000;
/** When every journey starts. */
const START = new Date('2027-01-04T09:00:00Z');
/** The CDK bootstrap version parameter every CDK stack resolves. */
const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

/** The roles Image Builder looks up by name in the accounts it copies AMIs into, with the policies it documents for them. */
const IMAGE_BUILDER_ROLES = {
  distribution: { name: 'EC2ImageBuilderDistributionCrossAccountRole', policy: 'arn:aws:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess' },
  lifecycle: { name: 'Ec2ImageBuilderCrossAccountLifecycleAccess', policy: 'arn:aws:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy' },
};

export interface WorldOptions {
  /** The account and region of the image builds (the recipe's stack). */
  readonly build: { readonly account: string; readonly region: string };
  /** Decides whether instances of an AMI set off one of a group's alarms during a refresh. */
  readonly alarmDuringRefresh?: (stack: SimulatedStack, amiTags: Record<string, string>, alarms: string[]) => string | undefined;
  /** Called as an instance goes InService, once its launch passed the group's lifecycle hooks: where a journey checks it. */
  readonly inService?: (stack: SimulatedStack, group: SimulatedGroup, instanceId: string) => Promise<void>;
}

export class World {
  public static async create(options: WorldOptions): Promise<World> {
    const scratch = mkdtempSync(join(tmpdir(), 'journey-world-'));
    const clockFile = join(scratch, 'clock');
    writeFileSync(clockFile, START.toISOString());
    return new World(await startMotoServer(clockFile), scratch, clockFile, options);
  }

  private now = START;
  public readonly moto: MotoClients;
  public readonly imageBuilder: ImageBuilderSimulation;
  public readonly cloudFormation: CloudFormationSimulation;
  public readonly alarms = new AlarmSimulation();
  public readonly autoScaling: AutoScalingSimulation;
  public readonly eventBridge: EventBridgeSimulation;
  public readonly launchHooks: LaunchHookSimulation;
  public readonly runCommand: RunCommandSimulation;
  public readonly api: AwsApi;
  public readonly authorizer: IamAuthorizer;
  public readonly workflows: WorkflowRunner;
  public readonly codeBuild: CodeBuildSimulation;
  private pipelineSimulation?: PipelineSimulation;
  private constructor(private readonly server: MotoServer, private readonly scratch: string, private readonly clockFile: string,
    private readonly options: WorldOptions) {
    const now = () => this.clock;
    this.moto = new MotoClients(server.endpoint);
    this.imageBuilder = new ImageBuilderSimulation(this.moto, now, options.build, (purpose, account, imageArn) => {
      const refused = this.imageBuilderRoleDenial(purpose, account, imageArn);
      if (refused) this.api.violations.push(`Image Builder, ${purpose} into account ${account}: ${refused}`);
      return refused;
    });
    this.cloudFormation = new CloudFormationSimulation(this.moto, now, (stack, ami, alarms) => this.alarmDuringRefresh(stack, ami, alarms),
      (roleArn, requests) => {
        const refused = this.authorizer.refusal(roleArn, requests);
        if (refused) this.api.violations.push(`CloudFormation, as service role ${roleArn}: ${refused}`);
        return refused;
      },
      async (stack, group, instanceId) => {
        await this.launchHooks.launching(stack, group, instanceId);
        await options.inService?.(stack, group, instanceId);
      });
    this.eventBridge = new EventBridgeSimulation(this.cloudFormation, () => this.workflows, () => this.authorizer,
      (violation) => this.api.violations.push(violation));
    this.launchHooks = new LaunchHookSimulation(this.cloudFormation, this.eventBridge, now);
    this.autoScaling = new AutoScalingSimulation(this.cloudFormation, this.launchHooks);
    this.runCommand = new RunCommandSimulation(this.moto);
    this.authorizer = new IamAuthorizer(this.roleDirectory());
    this.api = new AwsApi({
      ssm: this.runCommand.handle,
      ec2: withAttachmentRules(this.moto),
      imagebuilder: this.imageBuilder.handle,
      resourcegroupstaggingapi: this.imageBuilder.getResources,
      cloudformation: this.cloudFormation.handle,
      cloudwatch: this.alarms.handle,
      autoscaling: this.autoScaling.handle,
      codepipeline: (action, request) => this.pipeline.handle(action, request),
      sfn: (action, request) => this.workflows.handle(action, request),
    }, this.authorizer);
    this.workflows = new WorkflowRunner(this.cloudFormation, this.api, this.authorizer, now);
    this.codeBuild = new CodeBuildSimulation(join(this.scratch, 's3'), () => Object.fromEntries([...this.workflows.executions]
      .map(([arn, execution]) => [arn, JSON.stringify(execution.output)])));
  }

  /** The simulated time, which moto stamps resources with too. */
  public get clock(): Date {
    return this.now;
  }

  public set clock(time: Date) {
    this.now = time;
    writeFileSync(this.clockFile, time.toISOString());
  }

  /** The pipeline of the deployed assembly. */
  public get pipeline(): PipelineSimulation {
    if (!this.pipelineSimulation) throw new Error('No pipeline is deployed');
    return this.pipelineSimulation;
  }

  /**
   * `cdk deploy --all` of an assembly, in dependency order: every account and region is
   * bootstrapped first, ledger stacks before the environments that read them. Stacks deployed
   * before are updated to their new templates.
   */
  public async deploy(assemblyDirectory: string): Promise<void> {
    const stacks = assemblyStacks(assemblyDirectory);
    for (const at of new Set(stacks.map((stack) => `${stack.account}/${stack.region}`))) {
      const [account, region] = at.split('/');
      await this.moto.send('ssm', 'PutParameter', { Name: BOOTSTRAP_VERSION_PARAMETER, Value: '30', Type: 'String', Overwrite: true }, { account, region });
    }
    const ordered = [...stacks.filter((stack) => stack.stackName.endsWith('-Ledger')), ...stacks.filter((stack) => !stack.stackName.endsWith('-Ledger'))];
    for (const stack of ordered) {
      await this.cloudFormation.deploy(stack);
      this.register(stack);
    }
  }

  /** Days pass; Image Builder runs the lifecycle policies once each day. */
  public async passDays(days: number): Promise<void> {
    for (let day = 0; day < days; day++) {
      this.clock = new Date(this.clock.getTime() + DAY_MS);
      for (const policy of this.lifecyclePolicies()) {
        await runLifecyclePolicy(policy, this.imageBuilder, this.moto, this.clock);
      }
    }
  }

  /** A deployed stack by name. */
  public stack(stackName: string): SimulatedStack {
    const stack = [...this.cloudFormation.stacks.values()].find((candidate) => candidate.stackName === stackName);
    if (!stack) throw new Error(`No deployed stack ${stackName}`);
    return stack;
  }

  public async stop(): Promise<void> {
    this.moto.destroy();
    await this.server.stop();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** Makes the simulations know what a deployed stack defines: images' recipes and distributions, alarms, the pipeline. */
  private register(assembly: AssemblyStack): void {
    const stack = this.stack(assembly.stackName);
    const context = this.cloudFormation.context(stack);
    for (const [logicalId, resource] of Object.entries(assembly.template.Resources)) {
      const properties = () => resolve(resource.Properties, context);
      switch (resource.Type) {
        case 'AWS::ImageBuilder::DistributionConfiguration':
          this.imageBuilder.defineDistributionConfiguration(String(context.physical(logicalId)), properties().Name, properties().Distributions);
          break;
        case 'AWS::ImageBuilder::ImageRecipe': {
          const recipe = properties();
          this.imageBuilder.defineRecipe(String(context.physical(logicalId)), recipe.Name, recipe.Version, recipe.ParentImage, recipe.Components);
          break;
        }
        case 'AWS::CloudWatch::Alarm':
          this.alarms.define(stack, String(context.physical(logicalId)));
          break;
        case 'AWS::CodePipeline::Pipeline':
          // A redeployed pipeline keeps its executions; it reads its stages from the stack's template.
          this.pipelineSimulation ??= new PipelineSimulation(stack, logicalId, this.cloudFormation, this.workflows, this.codeBuild, () => this.clock);
          break;
        default:
      }
    }
  }

  private lifecyclePolicies(): any[] {
    return [...this.cloudFormation.stacks.values()].flatMap((stack) => Object.values(stack.assembly.template.Resources)
      .filter((resource) => resource.Type === 'AWS::ImageBuilder::LifecyclePolicy')
      .map((resource) => resolve(resource.Properties, this.cloudFormation.context(stack))));
  }

  private async alarmDuringRefresh(stack: SimulatedStack, ami: string, alarms: string[]): Promise<string | undefined> {
    if (!this.options.alarmDuringRefresh) return undefined;
    const { Images } = await this.moto.send('ec2', 'DescribeImages', { ImageIds: [ami] }, stack);
    const tags = Object.fromEntries((Images[0]?.Tags ?? []).map((tag: any) => [tag.Key, tag.Value]));
    return this.options.alarmDuringRefresh(stack, tags, alarms);
  }

  /**
   * Whether the role Image Builder looks up by name in another account lets it act there: it must
   * exist, carry the managed policy Image Builder documents, and trust the build account's Image
   * Builder (its service-linked role to copy, the service on behalf of the image to retire).
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html
   */
  private imageBuilderRoleDenial(purpose: 'distribution' | 'lifecycle', account: string, imageArn: string): string | undefined {
    const build = this.options.build.account;
    const role = IMAGE_BUILDER_ROLES[purpose];
    const roleArn = `arn:aws:iam::${account}:role/${role.name}`;
    const policies = this.authorizer.managedPoliciesOf(roleArn);
    if (policies === undefined) return `there is no role ${role.name} in account ${account}`;
    if (!policies.includes(role.policy)) return `role ${roleArn} lacks the managed policy ${role.policy}`;
    if (purpose === 'distribution') {
      const serviceRole = `arn:aws:iam::${build}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;
      return this.authorizer.trustDenial(roleArn, serviceRole, [serviceRole, build, `arn:aws:iam::${build}:root`], { 'aws:PrincipalArn': serviceRole });
    }
    return this.authorizer.trustDenial(roleArn, 'imagebuilder.amazonaws.com', ['imagebuilder.amazonaws.com'], { 'aws:SourceAccount': build, 'aws:SourceArn': imageArn });
  }

  /** The roles of every deployed stack, their policies' statements and trust, as IAM holds them. */
  private roleDirectory(): RoleDirectory {
    const roles = () => [...this.cloudFormation.stacks.values()]
      .flatMap((stack) => deployedRoles(stack.assembly, this.cloudFormation.context(stack)));
    return {
      statementsOf: (roleArn) => roles().find((role) => role.arn === roleArn)?.statements(),
      trustOf: (roleArn) => roles().find((role) => role.arn === roleArn)?.trust(),
      managedPoliciesOf: (roleArn) => roles().find((role) => role.arn === roleArn)?.managedPolicyArns(),
      stackArn: (at, stackName) => `arn:aws:cloudformation:${at.region}:${at.account}:stack/${stackName}/${this.cloudFormation.stack(at, stackName) && '00000000-0000-4000-8000-' + at.account}`,
      resourceTags: async (at, arn) => {
        const ec2 = /^arn:aws:ec2:[^:]*:[^:]*:(image|instance|volume)\/(.+)$/.exec(arn);
        if (ec2) {
          const { Tags } = await this.moto.send('ec2', 'DescribeTags', { Filters: [{ Name: 'resource-id', Values: [ec2[2]] }] }, at);
          return Object.fromEntries(Tags.map((tag: any) => [tag.Key, tag.Value]));
        }
        const group = /^arn:aws:autoscaling:[^:]*:[^:]*:autoScalingGroup:[^:]*:autoScalingGroupName\/(.+)$/.exec(arn);
        if (group) return this.autoScaling.groupTags(at, group[1]);
        const image = this.imageBuilder.liveImages.find((candidate) => candidate.arn === arn);
        return image ? { ...image.tags } : {};
      },
      autoScalingGroupArnOf: (at, instanceId) => {
        const found = this.autoScaling.groupOf(at, instanceId);
        return found ? autoScalingGroupArn(at, found.group.name) : `arn:aws:autoscaling:${at.region}:${at.account}:autoScalingGroup:*:autoScalingGroupName/unknown`;
      },
    };
  }
}
