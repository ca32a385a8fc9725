/**
 * A journey: the journey app deployed into one simulated world, then what a team does with it over
 * months (commits, patch runs, days passing, returns to the previous release, break-glass
 * sessions), the invariants checked after every step, and a report of what it cost.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { sendCommandEvent, startSessionEvent } from '../cloudtrail-events';
import { DataVolume, Fleet, blockDevicesOf, dataSnapshotsOf, dataVolumesOf, fleetViolations, inServiceViolations } from './data-volumes';
import { ENVIRONMENTS, EnvironmentName, JourneyAppOptions, PIPELINE_ACCOUNT, PIPELINE_REGION, journeyApp } from './journey-app';
import { Commit, PipelineExecution } from './pipeline/pipeline-simulation';
import { WorkflowExecution } from './workflows';
import { SimulatedGroup, SimulatedStack } from './world/cloudformation';
import { World } from './world/world';

/** Key of the AMI tag with the content hash of what is installed, which the bake's distribution sets. */
const CONTENT_HASH_TAG_KEY = 'immutable-servers:artifact-content-hash';
const FINGERPRINT_TAG_KEY = 'immutable-servers:fingerprint';
/** The package step's content hash, as a pipeline variable. */
const PACKAGE_CONTENT_HASH = 'Bake-Package.CONTENT_HASH';

export interface JourneyReport {
  readonly journey: string;
  readonly builds: number;
  /** Instances replaced by releases' refreshes, per environment (rolled-back ones counted separately). */
  readonly replacements: Record<string, number>;
  readonly rolledBack: Record<string, number>;
  readonly approvals: Record<string, number>;
  readonly pipelineExecutions: number;
  readonly calls: number;
  readonly invariantChecks: number;
  readonly violations: string[];
}

/** An instance as EC2 describes it, with its AMI's architecture. */
export interface RunningInstance {
  readonly id: string;
  readonly instanceType: string;
  readonly ami: string;
  readonly architecture: string;
}

/** What a journey's commit is: its files (those its build leaves in `dist/`) and the environments where it misbehaves. */
export interface CommitOptions {
  readonly files: Record<string, string>;
  /** Environments whose alarms go off while instances of this commit's image run there. */
  readonly breaks?: EnvironmentName[];
}

const assemblies = new Map<string, string>();

/** The variants of the journey app a journey starts from. */
export type JourneyVariant = Pick<JourneyAppOptions, 'gravitonDev' | 'statefulDev'>;

/** The journey app's assembly, synthesized once per process and variant. */
function assembly(variant: JourneyVariant, withStaging: boolean): string {
  const key = `${variant.gravitonDev ? 'graviton-' : ''}${variant.statefulDev ? 'stateful-' : ''}${withStaging ? 'staging' : 'base'}`;
  let directory = assemblies.get(key);
  if (!directory) {
    directory = mkdtempSync(join(tmpdir(), `journey-assembly-${key}-`));
    // The template gate validates templates; aws-cdk-lib's own validation at synth would only cost seconds here.
    const validation = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'false';
    try {
      journeyApp({ ...variant, outdir: directory, withStaging }).synth();
    } finally {
      if (validation === undefined) delete process.env.CDK_VALIDATION;
      else process.env.CDK_VALIDATION = validation;
    }
    assemblies.set(key, directory);
    process.once('exit', () => rmSync(directory!, { recursive: true, force: true }));
  }
  return directory;
}

export class Journey {
  public static async start(name: string, variant: JourneyVariant = {}): Promise<Journey> {
    const breaking = new Map<string, Set<string>>();
    const invariantBreaks: string[] = [];
    const world: World = await World.create({
      build: { account: PIPELINE_ACCOUNT, region: PIPELINE_REGION },
      // An image breaks an environment when a commit that breaks it packaged the image's content.
      alarmDuringRefresh: (stack, tags, alarms) => {
        const environment = environmentOf(stack);
        const broken = world.pipeline.executions.some((execution) => execution.variables[PACKAGE_CONTENT_HASH] === tags[CONTENT_HASH_TAG_KEY]
          && environment !== undefined && breaking.get(execution.revision)?.has(environment));
        return broken ? alarms.find((alarm) => alarm.endsWith('5xx-rate')) ?? alarms[0] : undefined;
      },
      // An instance of a stateful group goes InService only with a data volume of its own.
      inService: async (stack, group, instanceId) => {
        if (stack.volumes.size === 0) return;
        const problems = await inServiceViolations(world.moto, fleetOf(stack, group), instanceId);
        invariantBreaks.push(...problems.map((problem) => `${stack.stackName}'s data volumes: ${problem}`));
      },
    });
    const journey = new Journey(name, world, breaking, variant, invariantBreaks);
    try {
      await world.deploy(assembly(variant, false));
      await journey.check();
    } catch (error) {
      await world.stop();
      throw error;
    }
    return journey;
  }

  public environments: EnvironmentName[] = ['dev', 'qa', 'prod'];
  private invariantChecks = 0;
  private commits = 0;
  private withStaging = false;
  /** Each instance type's architectures, as EC2 describes them. */
  private readonly instanceTypeArchitectures = new Map<string, string[]>();

  private constructor(public readonly name: string, public readonly world: World, private readonly breaking: Map<string, Set<string>>,
    private variant: JourneyVariant, private readonly invariantBreaks: string[]) {}

  /** A push to main; returns the executions it ran (with any they started, and rollbacks). */
  public async commit(message: string, options: CommitOptions): Promise<PipelineExecution[]> {
    this.commits += 1;
    const commit: Commit = { id: this.commits.toString(16).padStart(40, '0'), message, files: prefixed(options.files) };
    if (options.breaks) this.breaking.set(commit.id, new Set(options.breaks));
    this.world.pipeline.push(commit);
    return this.drain();
  }

  /** The weekly patch rebuild: its workflow's execution, then the pipeline executions it started. */
  public async patchRun(): Promise<{ workflow: WorkflowExecution; executions: PipelineExecution[] }> {
    const workflow = await this.world.workflows.run(this.stateMachineArn('web-pipeline', 'PatchRebuildWorkflow'), {});
    return { workflow, executions: await this.drain() };
  }

  /** AWS publishes a newer version of the recipe's parent image. */
  public publishParentImage(version: string): void {
    this.world.imageBuilder.managedImageVersions.set('amazon-linux-2023-x86', version);
  }

  /** Days pass: the image lifecycle policy runs each day. */
  public async passDays(days: number): Promise<void> {
    await this.world.passDays(days);
    await this.check();
  }

  /** `returnToPreviousRelease` on an environment's release workflow, as the dashboard's command starts it. */
  public async returnToPrevious(environment: EnvironmentName): Promise<WorkflowExecution> {
    const execution = await this.world.workflows.run(this.releaseStateMachineArn(environment), { returnToPreviousRelease: true });
    await this.check();
    return execution;
  }

  /** A Session Manager session on an environment's first instance: CloudTrail's event reaches the environment's taint workflow. */
  public async breakGlassSession(environment: EnvironmentName): Promise<WorkflowExecution> {
    const at = ENVIRONMENTS[environment];
    return this.accessed(environment, startSessionEvent(this.instances(environment)[0].id, at));
  }

  /**
   * A Run Command on every instance of an environment, targeted by the tag Auto Scaling puts on
   * them, as an operator would send it (to moto, which resolves the tag): CloudTrail's event names
   * the targets and the command, not the instances.
   */
  public async runCommandOnEvery(environment: EnvironmentName): Promise<WorkflowExecution> {
    const at = ENVIRONMENTS[environment];
    const targets = [{ Key: 'tag:aws:autoscaling:groupName', Values: [...this.stack(environment).groups.values()].map((group) => group.name) }];
    const commandId = await this.world.runCommand.send(at, targets);
    const recorded = targets.map(({ Key, Values }) => ({ key: Key, values: Values }));
    return this.accessed(environment, sendCommandEvent({ targets: recorded }, { ...at, commandId }));
  }

  /** The environment's taint workflow, started by EventBridge on an access event. */
  private async accessed(environment: EnvironmentName, event: unknown): Promise<WorkflowExecution> {
    const execution = await this.world.workflows.run(this.stateMachineArn(`web-${environment}`, 'TaintOnAccess'), event);
    await this.check();
    return execution;
  }

  /** A new environment (staging, in a fourth account and a third region) is added to the app and deployed. */
  public async addStaging(): Promise<void> {
    this.withStaging = true;
    await this.world.deploy(assembly(this.variant, true));
    this.environments = ['dev', 'qa', 'staging', 'prod'];
    await this.check();
  }

  /**
   * dev moves to Graviton: its deployment's instance type becomes t4g.small and the pipeline gets
   * an arm64 recipe beside the x86_64 one, and the app is deployed again (`cdk deploy --all`).
   */
  public async moveDevToGraviton(): Promise<void> {
    this.variant = { ...this.variant, gravitonDev: true };
    await this.world.deploy(assembly(this.variant, this.withStaging));
    await this.check();
  }

  /**
   * dev keeps its state on data volumes from now on: the app with dev's `dataVolume` is deployed
   * again (`cdk deploy --all`). Returns the invariants the deploy broke, which a journey records
   * rather than stops at; the later steps are checked as usual.
   */
  public async makeDevStateful(): Promise<string[]> {
    this.variant = { ...this.variant, statefulDev: true };
    await this.world.deploy(assembly(this.variant, this.withStaging));
    try {
      await this.check();
      return [];
    } catch (error) {
      const broken = (error as Error).message.split('\n');
      this.invariantBreaks.length = 0;
      return broken;
    }
  }

  /** What an environment's ledger records of the instances its release runs on. */
  public async ledgerInstanceType(environment: EnvironmentName): Promise<{ instanceType: string; architecture: string }> {
    const at = ENVIRONMENTS[environment];
    const read = async (field: string) =>
      (await this.world.moto.send('ssm', 'GetParameter', { Name: `/immutable-servers/web/${environment}/release/${field}` }, at)).Parameter.Value as string;
    return { instanceType: await read('instance-type'), architecture: await read('architecture') };
  }

  /** An environment's instances as EC2 describes them: their instance type, AMI and the AMI's architecture. */
  public async runningInstances(environment: EnvironmentName): Promise<RunningInstance[]> {
    const at = ENVIRONMENTS[environment];
    const ids = this.instances(environment).map((instance) => instance.id);
    if (ids.length === 0) return [];
    const { Reservations } = await this.world.moto.send('ec2', 'DescribeInstances', { InstanceIds: ids }, at);
    const instances: any[] = Reservations.flatMap((reservation: any) => reservation.Instances);
    const amis = [...new Set(instances.map((instance) => instance.ImageId as string))];
    const { Images } = await this.world.moto.send('ec2', 'DescribeImages', { ImageIds: amis }, at);
    const architectures = new Map<string, string>((Images as any[]).map((image) => [image.ImageId, image.Architecture]));
    return instances.map((instance) => ({
      id: instance.InstanceId,
      instanceType: instance.InstanceType,
      ami: instance.ImageId,
      architecture: architectures.get(instance.ImageId) ?? 'unknown',
    }));
  }

  /**
   * An operator (or a scaling policy) sets the desired capacity of an environment's group: Auto
   * Scaling launches through the group's lifecycle hooks, or terminates.
   */
  public async setDesiredCapacity(environment: EnvironmentName, desired: number): Promise<void> {
    const [group] = this.stack(environment).groups.values();
    await this.world.autoScaling.setDesiredCapacity(ENVIRONMENTS[environment], group.name, desired);
    await this.check();
  }

  /** An operator terminates one instance of an environment and lowers its group's desired capacity (a scale-in of their choosing). */
  public async terminateAndScaleIn(environment: EnvironmentName, instanceId: string): Promise<void> {
    await this.world.autoScaling.handle('terminateInstanceInAutoScalingGroup', { InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }, ENVIRONMENTS[environment]);
    await this.check();
  }

  /** An environment's data volumes as EC2 describes them (those tagged as its stack's), by slot. */
  public dataVolumes(environment: EnvironmentName): Promise<DataVolume[]> {
    return dataVolumesOf(this.world.moto, ENVIRONMENTS[environment], this.stack(environment).stackName);
  }

  /** The data volume each InService instance of an environment holds, as EC2 describes its block devices: instance id to volume id. */
  public async dataVolumeHolders(environment: EnvironmentName): Promise<Record<string, string>> {
    const volumes = new Set((await this.dataVolumes(environment)).map((volume) => volume.id));
    const held = await blockDevicesOf(this.world.moto, ENVIRONMENTS[environment], this.instances(environment).map((instance) => instance.id));
    return Object.fromEntries(Object.entries(held).map(([instance, devices]) => [instance, devices.filter((id) => volumes.has(id)).join(',')]));
  }

  /** The instance that replaced `instanceId` in the end (following replacements of replacements), itself when none did. */
  public successorOf(environment: EnvironmentName, instanceId: string): string {
    const replaced = this.stack(environment).replacements.find((replacement) => replacement.replaced === instanceId);
    return replaced ? this.successorOf(environment, replaced.replacement) : instanceId;
  }

  /** Snapshots of an environment's data volumes, by the release version they were taken before. */
  public dataSnapshots(environment: EnvironmentName): Promise<Record<string, number>> {
    return dataSnapshotsOf(this.world.moto, ENVIRONMENTS[environment], this.stack(environment).stackName);
  }

  /** An environment's ledger: what its SSM parameters name now. */
  public async ledger(environment: EnvironmentName, label?: string): Promise<Record<string, string>> {
    const at = ENVIRONMENTS[environment];
    const fields = ['ami', 'version', 'commit-id', 'pipeline-execution-id'];
    const values = await Promise.all(fields.map(async (field) => {
      const name = `/immutable-servers/web/${environment}/release/${field}${label ? `:${label}` : ''}`;
      try {
        return (await this.world.moto.send('ssm', 'GetParameter', { Name: name }, at)).Parameter.Value as string;
      } catch {
        return 'absent';
      }
    }));
    return Object.fromEntries(fields.map((field, index) => [field, values[index]]));
  }

  /** The bake's output (the release manifest) of a pipeline execution. */
  public bakeOutput(execution: PipelineExecution): unknown {
    return this.world.workflows.executions.get(execution.variables['Bake.ExecutionArn'])?.output;
  }

  /** Which version of the service (the n of its commit's `service(n)`) an Image Builder image was built from, by the pipeline execution that built it. */
  public versionOf(imageArn: string): number {
    const execution = this.world.pipeline.executions.find((candidate) => ((this.bakeOutput(candidate) as any)?.builds ?? [])
      .some((build: any) => build.imageBuildVersionArn === imageArn && build.reused === false));
    const commit = execution && this.world.pipeline.repository.find((candidate) => candidate.id === execution.revision);
    return Number(/"version": "1\.(\d+)\.0"/.exec(commit?.files['dist/package.json'] ?? '')?.[1] ?? NaN);
  }

  /** Whether an AMI is still registered in an account and region. */
  public async amiRegistered(account: string, region: string, ami: string): Promise<boolean> {
    const { Images } = await this.world.moto.send('ec2', 'DescribeImages', { Filters: [{ Name: 'image-id', Values: [ami] }] }, { account, region });
    return Images.length > 0;
  }

  public instances(environment: EnvironmentName) {
    return [...this.stack(environment).groups.values()].flatMap((group) => group.instances);
  }

  public stack(environment: EnvironmentName): SimulatedStack {
    return this.world.stack(`web-${environment}`);
  }

  /** Whether an AMI is still registered in an environment's account and region. */
  public amiExists(environment: EnvironmentName, ami: string): Promise<boolean> {
    return this.amiRegistered(ENVIRONMENTS[environment].account, ENVIRONMENTS[environment].region, ami);
  }

  public report(): JourneyReport {
    const per = (value: (environment: EnvironmentName) => number) =>
      Object.fromEntries(this.environments.map((environment) => [environment, value(environment)]));
    return {
      journey: this.name,
      builds: this.world.imageBuilder.builds,
      replacements: per((environment) => this.stack(environment).counts.replaced),
      rolledBack: per((environment) => this.stack(environment).counts.rolledBack),
      approvals: per((environment) => this.world.pipeline.approvalsAsked[environment] ?? 0),
      pipelineExecutions: this.world.pipeline.executions.length,
      calls: this.world.api.calls.length,
      invariantChecks: this.invariantChecks,
      violations: this.world.api.violations,
    };
  }

  public async stop(): Promise<void> {
    await this.world.stop();
  }

  /**
   * What must hold after every step: no call broke AWS's contract; every instance runs an AMI of
   * its instance type's architecture (as EC2 describes the instance), and every ledger records the
   * architecture of the AMI it names; every environment that has a release runs only the AMI its
   * ledger names, on instances that name the archive and image it was built from; the AMIs every
   * ledger names as current and previous release still exist; in an environment with data volumes,
   * the fleet invariants (`fleetViolations`), which are also checked as each instance goes InService.
   */
  public async check(): Promise<void> {
    this.invariantChecks += 1;
    if (this.world.api.violations.length > 0) {
      throw new Error(`Journey ${this.name}: calls broke AWS's contract:\n${this.world.api.violations.join('\n')}`);
    }
    if (this.invariantBreaks.length > 0) throw new Error(`Journey ${this.name}: invariants broke during the step:\n${this.invariantBreaks.join('\n')}`);
    for (const environment of this.environments) {
      const ledger = await this.ledger(environment);
      const running = new Set(this.instances(environment).map((instance) => instance.ami));
      if (ledger.version !== 'none' && (running.size !== 1 || !running.has(ledger.ami))) {
        throw new Error(`Journey ${this.name}: ${environment}'s ledger names ${ledger.ami}, but its instances run ${[...running].join(', ') || 'nothing'}`);
      }
      await this.checkArchitecture(environment, ledger.ami);
      if (ledger.version !== 'none') await this.checkProvenance(environment, ledger.ami);
      await this.checkDataVolumes(environment);
      for (const label of ['current-release', 'previous-release']) {
        const held = await this.ledger(environment, label);
        if (held.ami !== 'absent' && held.version !== 'none' && !(await this.amiExists(environment, held.ami))) {
          throw new Error(`Journey ${this.name}: ${environment}'s ledger labels ${held.ami} ${label}, but that AMI no longer exists`);
        }
      }
    }
  }

  /**
   * Every instance of an environment runs an AMI of its instance type's architecture, as EC2
   * describes the instance, its AMI and its instance type (not as the app declares the
   * deployment's instance type, which a deploy may have moved to another architecture ahead of the
   * release that moves the instances); and the ledger records the architecture of the AMI it names.
   */
  private async checkArchitecture(environment: EnvironmentName, ami: string): Promise<void> {
    for (const instance of await this.runningInstances(environment)) {
      const supported = await this.architecturesOf(environment, instance.instanceType);
      if (!supported.includes(instance.architecture)) {
        throw new Error(`Journey ${this.name}: ${environment}'s instance ${instance.id} is a ${instance.instanceType} (${supported.join(', ')}) `
          + `running ${instance.ami}, an ${instance.architecture} AMI`);
      }
    }
    const { account, region } = ENVIRONMENTS[environment];
    const { Images } = await this.world.moto.send('ec2', 'DescribeImages', { ImageIds: [ami] }, { account, region });
    const recorded = (await this.ledgerInstanceType(environment)).architecture;
    if (Images[0]?.Architecture !== recorded) {
      throw new Error(`Journey ${this.name}: ${environment}'s ledger names ${ami}, an ${Images[0]?.Architecture} AMI, and records architecture ${recorded}`);
    }
  }

  /** An environment with data volumes: the fleet invariants between steps (`fleetViolations`). */
  private async checkDataVolumes(environment: EnvironmentName): Promise<void> {
    const stack = this.stack(environment);
    if (stack.volumes.size === 0) return;
    const [problem] = await fleetViolations(this.world.moto, fleetOf(stack, [...stack.groups.values()][0]));
    if (problem) throw new Error(`Journey ${this.name}: ${environment}'s data volumes: ${problem}`);
  }

  /** The architectures EC2 says an instance type supports. */
  private async architecturesOf(environment: EnvironmentName, instanceType: string): Promise<string[]> {
    let architectures = this.instanceTypeArchitectures.get(instanceType);
    if (!architectures) {
      const { InstanceTypes } = await this.world.moto.send('ec2', 'DescribeInstanceTypes', { InstanceTypes: [instanceType] }, ENVIRONMENTS[environment]);
      architectures = (InstanceTypes[0]?.ProcessorInfo?.SupportedArchitectures ?? []) as string[];
      this.instanceTypeArchitectures.set(instanceType, architectures);
    }
    return architectures;
  }

  /**
   * Every instance carries the content hash of the archive and the fingerprint of the image its
   * AMI was built from, as the bake tagged the AMI: anyone holding an instance id finds both.
   */
  private async checkProvenance(environment: EnvironmentName, ami: string): Promise<void> {
    const at = ENVIRONMENTS[environment];
    const tagsOf = async (id: string) => Object.fromEntries(((await this.world.moto.send('ec2', 'DescribeTags',
      { Filters: [{ Name: 'resource-id', Values: [id] }] }, at)).Tags as any[]).map((tag) => [tag.Key, tag.Value]));
    const image = await tagsOf(ami);
    for (const instance of this.instances(environment)) {
      const tags = await tagsOf(instance.id);
      for (const key of [CONTENT_HASH_TAG_KEY, FINGERPRINT_TAG_KEY]) {
        if (tags[key] === undefined || tags[key] !== image[key]) {
          throw new Error(`Journey ${this.name}: ${environment}'s instance ${instance.id} carries ${key}=${tags[key]}, but its AMI ${ami} was built with ${image[key]}`);
        }
      }
    }
  }

  private async drain(): Promise<PipelineExecution[]> {
    const executions = await this.world.pipeline.drain();
    await this.check();
    return executions;
  }

  private releaseStateMachineArn(environment: EnvironmentName): string {
    const machine = this.world.workflows.stateMachines().find((candidate) => candidate.name.includes(`-${environment}-Release-`) || candidate.name.includes(`${environment}-Release-`));
    if (!machine) throw new Error(`No release workflow of ${environment}`);
    return machine.arn;
  }

  private stateMachineArn(stackName: string, logicalIdPart: string): string {
    const machine = this.world.workflows.stateMachines()
      .find((candidate) => candidate.stack.stackName === stackName && candidate.logicalId.includes(logicalIdPart));
    if (!machine) throw new Error(`No state machine ${logicalIdPart} in ${stackName}`);
    return machine.arn;
  }
}

function prefixed(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [`dist/${path}`, content]));
}

/** A stateful group's fleet: its stack's volumes and its InService instances. */
function fleetOf(stack: SimulatedStack, group: SimulatedGroup): Fleet {
  return {
    at: stack,
    stackName: stack.stackName,
    groupName: group.name,
    volumes: stack.volumes.size,
    inService: group.instances.map((instance) => instance.id),
  };
}

function environmentOf(stack: SimulatedStack): string | undefined {
  return /^web-([a-z]+)$/.exec(stack.stackName)?.[1];
}
