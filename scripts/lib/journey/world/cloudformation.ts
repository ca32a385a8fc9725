/**
 * CloudFormation deploying the assembly's stacks, and the stack updates releases make: parameters
 * of SSM types resolved from moto's Parameter Store on every update (as CloudFormation does),
 * launch templates whose resolved data gets a new version when it changes, and Auto Scaling
 * groups whose `AutoScalingInstanceRefresh` replaces every instance when their launch template
 * version changes. A refresh fails when an alarm of its own goes off or an instance cannot launch,
 * and the stack rolls back: the group returns to the previous version and AMI. Instances are
 * moto's, launched from the AMI the version names into the zone of the group's subnets, each
 * passing the group's launching lifecycle hooks (`LaunchGate`). A group replaces an instance as its
 * refresh preferences (or, outside a refresh, its instance maintenance policy) say: launching
 * first when they allow more than 100 % healthy capacity, terminating first otherwise, as AWS
 * documents. EBS volumes of the stack are created in moto with their tags and never deleted (the
 * journeys' volumes are retained). moto's own CloudFormation cannot resolve these parameter types
 * against its Parameter Store, and nothing emulates instance refresh.
 */
import { AssemblyStack, PhysicalIdHooks } from '../assembly';
import { AwsError, ContractViolation, Endpoint } from '../aws-api';
import { stackContext } from '../deployed-roles';
import { AuthorizationRequest } from '../iam-policy';
import { StackContext, Template, conditionHolds, resolve, stackId } from '../template-resolution';
import { MotoClients } from './moto-services';

export interface SimulatedInstance {
  readonly id: string;
  readonly ami: string;
  /** The instance type it launched with: the launch template version's, as resolved (an `Fn::If` over the ledger's parameters). */
  readonly instanceType: string;
  readonly version: number;
}

export interface SimulatedGroup {
  readonly logicalId: string;
  readonly name: string;
  /** InService instances, oldest first. */
  instances: SimulatedInstance[];
  version: number;
  /** The desired capacity, as the last update or `SetDesiredCapacity` set it. */
  desired: number;
  minSize: number;
  maxSize: number;
  /** The desired capacity the template set in the last update, if any. */
  templateDesired?: number;
  /** Its launches and terminations, newest first, as DescribeScalingActivities lists them. */
  activities: ScalingActivity[];
}

/** One launch or termination of a group, in the fields DescribeScalingActivities gives it. */
export interface ScalingActivity {
  readonly ActivityId: string;
  readonly Description: string;
  readonly Cause: string;
  readonly StartTime: string;
  readonly StatusCode: 'Successful';
}

/** What happened to one stack's instances over a journey. */
export interface InstanceCounts {
  /** Instances launched for any reason. */
  launched: number;
  /** Instances replaced by an instance refresh (counted once per instance that went). */
  replaced: number;
  /** Instances replaced back by the rollback of a failed refresh. */
  rolledBack: number;
  /** Tainted instances replaced after a break-glass session. */
  taintReplaced: number;
  /** Launches a lifecycle hook abandoned. */
  abandoned: number;
}

export interface SimulatedStack {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  assembly: AssemblyStack;
  /** Parameter values as given: SSM parameter names for SSM-typed ones. */
  parameterValues: Record<string, string>;
  /** Parameter values as CloudFormation resolved them in the last successful operation. */
  resolved: Record<string, string>;
  status: string;
  /** The status the next DescribeStacks reports after the in-progress one. */
  settlesTo?: string;
  events: any[];
  readonly created: Date;
  /**
   * The service role CloudFormation acts with, as the last operation named it; undefined for the
   * CDK execution role, which `cdk deploy` names (and which may do anything).
   */
  roleArn?: string;
  /** Each launch template's resolved data, one entry per version. */
  readonly launchTemplateVersions: Map<string, string[]>;
  readonly groups: Map<string, SimulatedGroup>;
  /** The EBS volumes of the stack in moto: logical id to volume id. */
  readonly volumes: Map<string, string>;
  /**
   * The `AWS::AutoScaling::LifecycleHook` resources that exist (logical ids). A hook names its
   * group, so CloudFormation creates it after the group: on the stack's creation, and on an update
   * that adds it only once the group's update (and its instance refresh) is over.
   */
  lifecycleHooks: Set<string>;
  /** Every replacement of one instance by another (refresh, rollback, taint), in order. */
  readonly replacements: Array<{ readonly replaced: string; readonly replacement: string }>;
  readonly counts: InstanceCounts;
}

/** Which alarm (if any) goes off while a group's instances run an AMI: decided by the journey. */
export type AlarmOracle = (stack: SimulatedStack, amiId: string, alarms: string[]) => Promise<string | undefined>;

/** Why IAM would refuse the role a request (recorded as a contract violation), or undefined when it allows them all. */
export type ServiceRoleAuthorizer = (roleArn: string, requests: AuthorizationRequest[]) => string | undefined;

/** What happens between an instance's launch and its going InService (its lifecycle hooks); throws when the launch fails. */
export type LaunchGate = (stack: SimulatedStack, group: SimulatedGroup, instanceId: string) => Promise<void>;

interface GroupPlan {
  readonly logicalId: string;
  readonly name: string;
  /** Logical id of the group's launch template. */
  readonly launchTemplate: string;
  readonly version: number;
  /** The template's desired capacity, if it sets one. */
  readonly desired?: number;
  readonly min: number;
  readonly max: number;
  readonly refresh: boolean;
  /** Whether a refresh launches a replacement before it terminates the instance it replaces. */
  readonly refreshLaunchesFirst: boolean;
  /** Whether a replacement outside a refresh (after a termination that keeps the capacity) launches first. */
  readonly maintenanceLaunchesFirst: boolean;
  readonly alarms: string[];
}

const IAM_TYPES = /^AWS::IAM::/;

export class CloudFormationSimulation {
  public readonly stacks = new Map<string, SimulatedStack>();
  private eventCount = 0;

  constructor(private readonly moto: MotoClients, private readonly now: () => Date, private readonly alarmGoesOff: AlarmOracle,
    private readonly authorize: ServiceRoleAuthorizer, private readonly launchGate: LaunchGate) {}

  public stack(at: Endpoint, stackName: string): SimulatedStack {
    const stack = this.stacks.get(key(at, stackName));
    if (!stack) throw new AwsError('CloudFormation.CloudFormationException', `Stack with id ${stackName} does not exist`);
    return stack;
  }

  /** The context that resolves a deployed stack's template with its current parameters. */
  public context(stack: SimulatedStack, resolved = stack.resolved, template = stack.assembly.template): StackContext {
    const hooks: PhysicalIdHooks = {
      launchTemplateVersion: (_stack, logicalId) => String(stack.launchTemplateVersions.get(logicalId)?.length ?? 1),
      nestedOutput: (parent, logicalId, output) => {
        const nested = this.stacks.get(key(parent, `${parent.stackName}-${logicalId}`))!;
        return resolve(nested.assembly.template.Outputs?.[output]?.Value, this.context(nested));
      },
    };
    return stackContext({ ...stack.assembly, template }, resolved, hooks);
  }

  /** `cdk deploy` of one stack: creates it, or updates it to the assembly's template with the default parameter values. */
  public async deploy(assembly: AssemblyStack): Promise<void> {
    const at = { account: assembly.account, region: assembly.region };
    const values = Object.fromEntries(Object.entries(assembly.template.Parameters ?? {}).map(([name, parameter]) => [name, parameter.Default ?? '']));
    const existing = this.stacks.get(key(at, assembly.stackName));
    // cdk deploy skips a stack whose template and parameters did not change.
    if (existing && JSON.stringify(existing.assembly.template) === JSON.stringify(assembly.template)) return;
    if (existing) {
      existing.roleArn = undefined;
      await this.update(existing, assembly, values, `deploy-${++this.eventCount}`, true);
      existing.status = existing.settlesTo ?? existing.status;
      existing.settlesTo = undefined;
      if (existing.status !== 'UPDATE_COMPLETE') throw new Error(`cdk deploy of ${assembly.stackName} failed: ${JSON.stringify(existing.events[1])}`);
      return;
    }
    const stack: SimulatedStack = {
      stackName: assembly.stackName,
      account: assembly.account,
      region: assembly.region,
      assembly,
      parameterValues: values,
      resolved: {},
      status: 'CREATE_IN_PROGRESS',
      events: [],
      created: this.now(),
      launchTemplateVersions: new Map(),
      groups: new Map(),
      volumes: new Map(),
      lifecycleHooks: new Set(),
      replacements: [],
      counts: { launched: 0, replaced: 0, rolledBack: 0, taintReplaced: 0, abandoned: 0 },
    };
    this.stacks.set(key(at, assembly.stackName), stack);
    stack.resolved = await this.resolveParameters(stack, assembly.template, values);
    await this.runCustomResources(stack);
    await this.createVolumes(stack);
    const plans = this.plan(stack, assembly.template, stack.resolved);
    for (const plan of plans) {
      const group = this.newGroup(plan);
      stack.groups.set(plan.logicalId, group);
      await this.scale(stack, group);
    }
    stack.lifecycleHooks = lifecycleHooksOf(assembly.template);
    stack.status = 'CREATE_COMPLETE';
  }

  /** CloudFormation's API, as releases call it. */
  public handle = async (action: string, request: any, at: Endpoint): Promise<unknown> => {
    switch (action) {
      case 'describeStacks': return { Stacks: [this.describe(this.stack(at, request.StackName))] };
      case 'describeStackEvents': return { StackEvents: this.stack(at, request.StackName).events.slice(0, 100) };
      case 'updateStack': return this.updateStack(request, at);
      case 'cancelUpdateStack': {
        const stack = this.stack(at, request.StackName);
        if (stack.status !== 'UPDATE_IN_PROGRESS') throw new AwsError('CloudFormation.CloudFormationException', `CancelUpdateStack cannot be called from current stack status ${stack.status}`);
        return {};
      }
      default: throw new Error(`CloudFormation ${action} is not simulated`);
    }
  };

  private describe(stack: SimulatedStack): unknown {
    const reported = stack.status;
    if (stack.settlesTo) {
      stack.status = stack.settlesTo;
      stack.settlesTo = undefined;
    }
    const parameters = stack.assembly.template.Parameters ?? {};
    return {
      StackId: stackId(stack),
      StackName: stack.stackName,
      CreationTime: stack.created.toISOString(),
      StackStatus: reported,
      Parameters: Object.entries(parameters).map(([name, parameter]) => ({
        ParameterKey: name,
        ParameterValue: stack.parameterValues[name],
        ...parameter.Type.startsWith('AWS::SSM::Parameter::Value<') ? { ResolvedValue: stack.resolved[name] } : {},
      })),
    };
  }

  private async updateStack(request: any, at: Endpoint): Promise<unknown> {
    const stack = this.stack(at, request.StackName);
    if (stack.status.endsWith('_IN_PROGRESS')) {
      throw new AwsError('CloudFormation.CloudFormationException', `Stack:${stackId(stack)} is in ${stack.status} state and can not be updated.`);
    }
    if (request.UsePreviousTemplate !== true) {
      throw new Error(`UpdateStack of ${stack.stackName} with a new template is not simulated: releases use the previous template`);
    }
    const template = stack.assembly.template;
    const needsIam = Object.values(template.Resources).some((resource) => IAM_TYPES.test(resource.Type));
    const capabilities: string[] = request.Capabilities ?? [];
    if (needsIam && !capabilities.some((capability) => capability === 'CAPABILITY_IAM' || capability === 'CAPABILITY_NAMED_IAM')) {
      throw new AwsError('CloudFormation.InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]');
    }
    const values = { ...stack.parameterValues };
    for (const parameter of request.Parameters ?? []) {
      if (!(parameter.ParameterKey in (template.Parameters ?? {}))) {
        throw new AwsError('CloudFormation.CloudFormationException', `Parameters: [${parameter.ParameterKey}] do not exist in the template`);
      }
      if (parameter.UsePreviousValue !== true) values[parameter.ParameterKey] = parameter.ParameterValue;
    }
    // CloudFormation keeps using the role an operation named until another names one.
    if (request.RoleARN !== undefined) stack.roleArn = request.RoleARN;
    await this.update(stack, stack.assembly, values, request.ClientRequestToken ?? `update-${++this.eventCount}`, false);
    return { StackId: stackId(stack) };
  }

  /**
   * One update: resolve, plan, and either take it (refreshing instances) or roll back. "No
   * updates" is refused as CloudFormation refuses it; a `cdk deploy` of a changed template is
   * never "no updates" here, as something else in it changed.
   */
  private async update(stack: SimulatedStack, assembly: AssemblyStack, values: Record<string, string>, token: string,
    templateMayChange: boolean): Promise<void> {
    const resolved = await this.resolveParameters(stack, assembly.template, values);
    const before = this.plan(stack, stack.assembly.template, stack.resolved);
    const changedTemplates = this.changedLaunchTemplates(stack, assembly.template, resolved);
    const after = this.plan(stack, assembly.template, resolved, changedTemplates);
    const groupsChanged = after.some((plan) => {
      const previous = before.find((candidate) => candidate.logicalId === plan.logicalId);
      return !previous || previous.version !== plan.version || capacityChanged(previous, plan);
    });
    const templateChanged = templateMayChange && JSON.stringify(assembly.template) !== JSON.stringify(stack.assembly.template);
    if (changedTemplates.size === 0 && !groupsChanged && !templateChanged) {
      throw new AwsError('CloudFormation.CloudFormationException', 'Service returned error code ValidationError: No updates are to be performed.');
    }
    if (stack.roleArn !== undefined) this.checkServiceRole(stack, stack.roleArn, changedTemplates, before, after);
    const previousResolved = stack.resolved;
    const previousAssembly = stack.assembly;
    stack.status = 'UPDATE_IN_PROGRESS';
    this.event(stack, token, stack.stackName, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated');
    changedTemplates.forEach((data, logicalId) => stack.launchTemplateVersions.get(logicalId)!.push(data));
    stack.assembly = assembly;
    stack.parameterValues = values;
    stack.resolved = resolved;
    await this.createVolumes(stack);
    for (const plan of after) {
      const failure = await this.apply(stack, plan);
      if (failure) {
        this.event(stack, token, plan.logicalId, 'AWS::AutoScaling::AutoScalingGroup', 'UPDATE_FAILED', failure);
        this.event(stack, token, stack.stackName, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [' + plan.logicalId + '].');
        // The rollback restores the previous template, resolved parameters and launch template data (as a new version).
        stack.assembly = previousAssembly;
        stack.resolved = previousResolved;
        for (const [logicalId, versions] of stack.launchTemplateVersions) {
          if (changedTemplates.has(logicalId)) versions.push(versions[versions.length - 2]);
        }
        for (const restore of this.plan(stack, previousAssembly.template, previousResolved)) {
          await this.apply(stack, restore, true);
        }
        // Hooks the update would have added were never created; the others are as they were.
        this.event(stack, token, stack.stackName, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE', '');
        stack.settlesTo = 'UPDATE_ROLLBACK_COMPLETE';
        return;
      }
    }
    stack.lifecycleHooks = lifecycleHooksOf(assembly.template);
    this.event(stack, token, stack.stackName, 'AWS::CloudFormation::Stack', 'UPDATE_COMPLETE', '');
    stack.settlesTo = 'UPDATE_COMPLETE';
  }

  /**
   * What CloudFormation's handlers call with the stack's service role for an update: a version of
   * each changed launch template; for each changed group, its update, the instance refresh and the
   * alarms it watches, and what Auto Scaling checks against the caller for a launch template
   * version (launching from it, passing its instance profile's role, tagging at launch). The
   * rollback calls the same. A refusal is a violation, as the update would fail in AWS.
   */
  private checkServiceRole(stack: SimulatedStack, roleArn: string, changedTemplates: Map<string, string>,
    before: GroupPlan[], after: GroupPlan[]): void {
    const { account, region } = stack;
    const launchTemplateArn = (logicalId: string) => `arn:aws:ec2:${region}:${account}:launch-template/${this.context(stack).physical(logicalId)}`;
    const requests: AuthorizationRequest[] = [...changedTemplates.keys()]
      .map((logicalId) => ({ action: 'ec2:CreateLaunchTemplateVersion', resource: launchTemplateArn(logicalId) }));
    for (const plan of after) {
      const previous = before.find((candidate) => candidate.logicalId === plan.logicalId);
      if (previous && previous.version === plan.version && !capacityChanged(previous, plan)) continue;
      const group = autoScalingGroupArn(stack, plan.name);
      requests.push(
        { action: 'autoscaling:UpdateAutoScalingGroup', resource: group },
        { action: 'ec2:RunInstances', resource: `arn:aws:ec2:${region}:${account}:instance/*`, context: { 'ec2:LaunchTemplate': launchTemplateArn(plan.launchTemplate) } },
        { action: 'ec2:CreateTags', resource: `arn:aws:ec2:${region}:${account}:instance/*`, context: { 'ec2:CreateAction': 'RunInstances' } },
        { action: 'iam:PassRole', resource: this.instanceRoleArn(stack, plan.launchTemplate), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      );
      if (plan.refresh && previous?.version !== plan.version) {
        requests.push({ action: 'autoscaling:StartInstanceRefresh', resource: group },
          ...plan.alarms.map((alarm) => ({ action: 'cloudwatch:DescribeAlarms', resource: `arn:aws:cloudwatch:${region}:${account}:alarm:${alarm}` })));
      }
    }
    const refused = this.authorize(roleArn, requests);
    if (refused) throw new ContractViolation(`CloudFormation could not update stack ${stack.stackName} as its service role: ${refused}`);
  }

  /** The role of the instance profile a launch template names. */
  private instanceRoleArn(stack: SimulatedStack, launchTemplate: string): string {
    const resources = stack.assembly.template.Resources;
    const profile = resources[launchTemplate].Properties?.LaunchTemplateData?.IamInstanceProfile?.Arn?.['Fn::GetAtt']?.[0];
    const role = profile && resources[profile]?.Properties?.Roles?.[0]?.Ref;
    if (!role) throw new Error(`Launch template ${launchTemplate} of ${stack.stackName} names no instance profile of the stack`);
    return String(this.context(stack).physical(role, 'Arn'));
  }

  /** Brings a group to its plan: its size, a refresh when its version changed, then its capacity. Returns why it failed. */
  private async apply(stack: SimulatedStack, plan: GroupPlan, rollingBack = false): Promise<string | undefined> {
    let group = stack.groups.get(plan.logicalId);
    if (!group) {
      group = this.newGroup(plan);
      stack.groups.set(plan.logicalId, group);
    }
    resize(group, plan);
    if (group.version !== plan.version) {
      const ami = this.amiOf(stack, plan.version);
      group.version = plan.version;
      if (plan.refresh && group.instances.length > 0) {
        // SkipMatching: an instance whose launch data is already the new version's stays.
        const wanted = JSON.stringify(this.launchData(stack, plan.version));
        const replaced = group.instances.filter((instance) => JSON.stringify(this.launchData(stack, instance.version)) !== wanted);
        for (const instance of replaced) {
          try {
            await this.replace(stack, group, instance, plan.version, plan.refreshLaunchesFirst);
          } catch (error) {
            return `Instance refresh failed: ${(error as Error).message}`;
          }
          if (rollingBack) stack.counts.rolledBack += 1;
          else stack.counts.replaced += 1;
          const alarm = rollingBack ? undefined : await this.alarmGoesOff(stack, ami, plan.alarms);
          if (alarm) {
            return `Group ${plan.name} failed its instance refresh: alarm ${alarm} is in ALARM`;
          }
        }
      }
    }
    try {
      await this.scale(stack, group);
    } catch (error) {
      return `Group ${plan.name} could not launch instances: ${(error as Error).message}`;
    }
    return undefined;
  }

  /**
   * Brings a group to its desired capacity: launches of its version, or terminations of its newest
   * instances (a simplification of Auto Scaling's default termination policy, which in one zone
   * and one launch template version terminates the instance closest to its next billing hour).
   */
  public async scale(stack: SimulatedStack, group: SimulatedGroup): Promise<void> {
    while (group.instances.length < group.desired) group.instances.push(await this.launch(stack, group, group.version));
    while (group.instances.length > group.desired) await this.terminate(stack, group, group.instances.pop()!);
  }

  /**
   * Replaces one instance of a group with a new one of the group's version, as Auto Scaling does
   * after a termination that keeps the desired capacity, in the order of the group's instance
   * maintenance policy.
   */
  public async replaceInstance(stack: SimulatedStack, instanceId: string): Promise<void> {
    const plans = this.plan(stack, stack.assembly.template, stack.resolved);
    for (const group of stack.groups.values()) {
      const instance = group.instances.find((candidate) => candidate.id === instanceId);
      if (!instance) continue;
      const plan = plans.find((candidate) => candidate.logicalId === group.logicalId)!;
      await this.replace(stack, group, instance, group.version, plan.maintenanceLaunchesFirst);
      stack.counts.taintReplaced += 1;
      return;
    }
    throw new Error(`Instance ${instanceId} is in no group of ${stack.stackName}`);
  }

  /**
   * Terminates one instance of a group and lowers its desired capacity, as a termination that
   * decrements it does; refused below the group's minimum, as Auto Scaling refuses it.
   */
  public async removeInstance(stack: SimulatedStack, instanceId: string): Promise<void> {
    const group = [...stack.groups.values()].find((candidate) => candidate.instances.some((instance) => instance.id === instanceId));
    if (!group) throw new Error(`Instance ${instanceId} is in no group of ${stack.stackName}`);
    if (group.desired - 1 < group.minSize) {
      throw new AwsError('AutoScaling.ValidationErrorException', `Currently, desiredSize equals minSize (${group.minSize}). `
        + 'Terminating instance without replacement will violate group\'s min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group\'s min size.');
    }
    const instance = group.instances.find((candidate) => candidate.id === instanceId)!;
    group.instances = group.instances.filter((candidate) => candidate !== instance);
    group.desired -= 1;
    await this.terminate(stack, group, instance);
  }

  /**
   * Replaces one instance with one of `version`: launching the replacement first, or terminating
   * first (the group is one short until the launch succeeds, and stays so when it fails).
   */
  private async replace(stack: SimulatedStack, group: SimulatedGroup, instance: SimulatedInstance, version: number,
    launchFirst: boolean): Promise<void> {
    if (launchFirst) {
      const replacement = await this.launch(stack, group, version);
      group.instances = group.instances.filter((candidate) => candidate !== instance).concat(replacement);
      await this.terminate(stack, group, instance);
      stack.replacements.push({ replaced: instance.id, replacement: replacement.id });
      return;
    }
    group.instances = group.instances.filter((candidate) => candidate !== instance);
    await this.terminate(stack, group, instance);
    const replacement = await this.launch(stack, group, version);
    group.instances.push(replacement);
    stack.replacements.push({ replaced: instance.id, replacement: replacement.id });
  }

  /** Launches an instance into the group, which goes InService once its launch passes the gate (its lifecycle hooks); a failed launch is terminated. */
  private async launch(stack: SimulatedStack, group: SimulatedGroup, version: number): Promise<SimulatedInstance> {
    const data = this.launchData(stack, version);
    if (typeof data.InstanceType !== 'string' || !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(data.InstanceType)) {
      throw new Error(`Launch template version ${version} of ${stack.stackName} names no instance type: ${JSON.stringify(data.InstanceType)}`);
    }
    const tags = (data.TagSpecifications ?? []).find((spec: any) => spec.ResourceType === 'instance')?.Tags ?? [];
    const propagated = this.groupTags(stack, group).filter((tag) => tag.PropagateAtLaunch).map(({ Key, Value }) => ({ Key, Value }));
    const zone = this.zoneOf(stack, group);
    const { Instances } = await this.moto.send('ec2', 'RunInstances', {
      ImageId: data.ImageId,
      InstanceType: data.InstanceType,
      MinCount: 1,
      MaxCount: 1,
      ...zone ? { Placement: { AvailabilityZone: zone } } : {},
      TagSpecifications: [{ ResourceType: 'instance', Tags: [...tags, ...propagated, { Key: 'aws:autoscaling:groupName', Value: group.name }] }],
    }, stack);
    stack.counts.launched += 1;
    const instance = { id: Instances[0].InstanceId, ami: data.ImageId, instanceType: Instances[0].InstanceType, version };
    record(group, `Launching a new EC2 instance: ${instance.id}`);
    try {
      await this.launchGate(stack, group, instance.id);
    } catch (error) {
      stack.counts.abandoned += 1;
      await this.terminate(stack, group, instance);
      throw error;
    }
    return instance;
  }

  /** The group's own tags, as its template gives them: those with `PropagateAtLaunch` go to each instance it launches. */
  public groupTags(stack: SimulatedStack, group: SimulatedGroup): Array<{ Key: string; Value: string; PropagateAtLaunch?: boolean }> {
    return resolve(stack.assembly.template.Resources[group.logicalId].Properties?.Tags, this.context(stack)) ?? [];
  }

  /** Terminates an instance; moto detaches its volumes as EC2 does once it has terminated. */
  private async terminate(stack: SimulatedStack, group: SimulatedGroup, instance: SimulatedInstance): Promise<void> {
    record(group, `Terminating EC2 instance: ${instance.id}`);
    await this.moto.send('ec2', 'TerminateInstances', { InstanceIds: [instance.id] }, stack);
  }

  /**
   * The zone the group launches into: the one zone of its subnets, when they are in one real zone
   * of the stack's region (a stateful group's are); otherwise moto's default, as the journeys'
   * other groups do not depend on it.
   */
  private zoneOf(stack: SimulatedStack, group: SimulatedGroup): string | undefined {
    const resources = stack.assembly.template.Resources;
    const subnets: any[] = resources[group.logicalId].Properties?.VPCZoneIdentifier ?? [];
    const zones = new Set(subnets.map((subnet) => resolve(resources[subnet?.Ref]?.Properties?.AvailabilityZone, this.context(stack))));
    const [zone] = zones;
    return zones.size === 1 && typeof zone === 'string' && zone.startsWith(stack.region) ? zone : undefined;
  }

  private newGroup(plan: GroupPlan): SimulatedGroup {
    return {
      logicalId: plan.logicalId,
      name: plan.name,
      instances: [],
      version: plan.version,
      desired: plan.desired ?? plan.min,
      minSize: plan.min,
      maxSize: plan.max,
      templateDesired: plan.desired,
      activities: [],
    };
  }

  /**
   * Creates the stack's EBS volumes that moto does not hold yet, with their tags and the ones
   * CloudFormation adds. A volume leaving the template is kept (the journeys' are retained).
   */
  private async createVolumes(stack: SimulatedStack): Promise<void> {
    const context = this.context(stack);
    for (const [logicalId, resource] of Object.entries(stack.assembly.template.Resources)) {
      if (resource.Type !== 'AWS::EC2::Volume' || stack.volumes.has(logicalId)) continue;
      const properties = resolve(resource.Properties, context);
      const { VolumeId } = await this.moto.send('ec2', 'CreateVolume', {
        AvailabilityZone: properties.AvailabilityZone,
        Size: properties.Size,
        VolumeType: properties.VolumeType,
        Iops: properties.Iops,
        Throughput: properties.Throughput,
        Encrypted: properties.Encrypted,
        KmsKeyId: properties.KmsKeyId,
        TagSpecifications: [{ ResourceType: 'volume', Tags: [...properties.Tags ?? [], ...cloudFormationTags(stack, logicalId)] }],
      }, stack);
      stack.volumes.set(logicalId, VolumeId);
    }
  }

  /** The AMI a version of the stack's (single) launch template names. */
  public amiOf(stack: SimulatedStack, version: number): string {
    return this.launchData(stack, version).ImageId;
  }

  private launchData(stack: SimulatedStack, version: number): any {
    const versions = [...stack.launchTemplateVersions.values()];
    if (versions.length !== 1) throw new Error(`Stack ${stack.stackName} has ${versions.length} launch templates; the simulation expects one`);
    return JSON.parse(versions[0][version - 1]);
  }

  /** Launch templates whose resolved data differs from their latest version: logical id to the new data. */
  private changedLaunchTemplates(stack: SimulatedStack, template: Template, resolved: Record<string, string>): Map<string, string> {
    const changed = new Map<string, string>();
    const context = this.context(stack, resolved, template);
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::EC2::LaunchTemplate') continue;
      const data = JSON.stringify(resolve(resource.Properties?.LaunchTemplateData, context));
      const versions = stack.launchTemplateVersions.get(logicalId) ?? [];
      stack.launchTemplateVersions.set(logicalId, versions);
      if (versions[versions.length - 1] !== data) changed.set(logicalId, data);
    }
    return changed;
  }

  private plan(stack: SimulatedStack, template: Template, resolved: Record<string, string>, pending = new Map<string, string>()): GroupPlan[] {
    const context = this.context(stack, resolved, template);
    return Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::AutoScaling::AutoScalingGroup')
      .map(([logicalId, resource]) => {
        const properties = resource.Properties ?? {};
        const templateId = properties.LaunchTemplate.LaunchTemplateId.Ref as string;
        const versions = stack.launchTemplateVersions.get(templateId)?.length ?? 0;
        const refresh = resource.UpdatePolicy?.AutoScalingInstanceRefresh;
        const desired = properties.DesiredCapacity === undefined ? undefined : Number(resolve(properties.DesiredCapacity, context));
        // AWS launches before it terminates only where the maximum healthy percentage leaves room above 100 %.
        const launchesFirst = (maxHealthyPercentage: unknown) => Number(resolve(maxHealthyPercentage, context) ?? 100) > 100;
        return {
          logicalId,
          name: String(resolve(properties.AutoScalingGroupName, context)),
          launchTemplate: templateId,
          version: Math.max(1, versions + (pending.has(templateId) ? 1 : 0)),
          desired,
          min: Number(resolve(properties.MinSize, context)),
          max: Number(resolve(properties.MaxSize, context)),
          refresh: refresh !== undefined,
          refreshLaunchesFirst: launchesFirst(refresh?.Preferences?.MaxHealthyPercentage),
          maintenanceLaunchesFirst: launchesFirst(properties.InstanceMaintenancePolicy?.MaxHealthyPercentage),
          alarms: refresh ? (resolve(refresh.Preferences?.AlarmSpecification?.Alarms, context) ?? []) : [],
        };
      });
  }

  private async resolveParameters(stack: SimulatedStack, template: Template, values: Record<string, string>): Promise<Record<string, string>> {
    const resolved: Record<string, string> = {};
    for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
      const value = values[name] ?? parameter.Default ?? '';
      if (!parameter.Type.startsWith('AWS::SSM::Parameter::Value<')) {
        resolved[name] = value;
        continue;
      }
      try {
        resolved[name] = (await this.moto.send('ssm', 'GetParameter', { Name: value }, stack)).Parameter.Value;
      } catch {
        throw new AwsError('CloudFormation.CloudFormationException', `Parameters: [${value}] referenced by template have types not supported by CloudFormation or do not exist`);
      }
      if (parameter.Type === 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>' && !/^ami-[0-9a-f]+$/.test(resolved[name])) {
        throw new AwsError('CloudFormation.CloudFormationException', `Parameter ${name} must be an AMI id, got '${resolved[name]}'`);
      }
    }
    return resolved;
  }

  /** `Custom::AWS` resources (aws-cdk-lib's AwsCustomResource) make their create call once, as their Lambda would. */
  private async runCustomResources(stack: SimulatedStack): Promise<void> {
    const context = this.context(stack);
    for (const [logicalId, resource] of Object.entries(stack.assembly.template.Resources)) {
      if (resource.Type !== 'Custom::AWS' || (resource.Condition && !conditionHolds(resource.Condition, context))) continue;
      const create = JSON.parse(resolve(resource.Properties?.Create, context));
      if (create.service !== 'SSM') throw new Error(`Custom resource ${logicalId} of ${stack.stackName} calls ${create.service}, which the journeys do not run`);
      const operation = create.action.charAt(0).toUpperCase() + create.action.slice(1);
      try {
        await this.moto.send('ssm', operation, create.parameters, stack);
      } catch (error) {
        if (!create.ignoreErrorCodesMatching || !new RegExp(create.ignoreErrorCodesMatching).test((error as Error).message)) throw error;
      }
    }
  }

  private event(stack: SimulatedStack, token: string, logicalId: string, type: string, status: string, reason: string): void {
    this.eventCount += 1;
    stack.events.unshift({
      StackId: stackId(stack),
      EventId: `event-${this.eventCount}`,
      StackName: stack.stackName,
      LogicalResourceId: logicalId,
      ResourceType: type,
      Timestamp: this.now().toISOString(),
      ResourceStatus: status,
      ClientRequestToken: token,
      ...reason ? { ResourceStatusReason: reason } : {},
    });
  }
}

/** The lifecycle hooks a template defines (logical ids). */
function lifecycleHooksOf(template: Template): Set<string> {
  return new Set(Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::AutoScaling::LifecycleHook').map(([logicalId]) => logicalId));
}

/** Whether an update changes a group's size. */
function capacityChanged(before: GroupPlan, after: GroupPlan): boolean {
  return before.min !== after.min || before.max !== after.max || before.desired !== after.desired;
}

/**
 * A group's new size after an update: CloudFormation sets the desired capacity only where the
 * template's changed; otherwise the group keeps its own (a scaling action's), within its new bounds.
 */
function resize(group: SimulatedGroup, plan: GroupPlan): void {
  const templateDesiredChanged = plan.desired !== undefined && plan.desired !== group.templateDesired;
  group.minSize = plan.min;
  group.maxSize = plan.max;
  group.templateDesired = plan.desired;
  if (templateDesiredChanged) group.desired = plan.desired!;
  group.desired = Math.min(plan.max, Math.max(plan.min, group.desired));
}

/** The tags CloudFormation adds to a resource it creates. */
function cloudFormationTags(stack: SimulatedStack, logicalId: string): Array<{ Key: string; Value: string }> {
  return [
    { Key: 'aws:cloudformation:stack-name', Value: stack.stackName },
    { Key: 'aws:cloudformation:stack-id', Value: stackId(stack) },
    { Key: 'aws:cloudformation:logical-id', Value: logicalId },
  ];
}

/** A group's ARN, with the UUID every simulated group has. */
export function autoScalingGroupArn(at: Endpoint, groupName: string): string {
  return `arn:aws:autoscaling:${at.region}:${at.account}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${groupName}`;
}

function key(at: Endpoint, stackName: string): string {
  return `${at.account}/${at.region}/${stackName}`;
}

/**
 * Records an activity of a group in the form Auto Scaling describes it (`Terminating EC2 instance:
 * <id>`, as in its API reference's examples), which the data volume handover reads. The journeys'
 * activities complete at once, so each is listed as successful, newest first.
 */
function record(group: SimulatedGroup, description: string): void {
  group.activities.unshift({
    ActivityId: `activity-${group.activities.length + 1}`,
    Description: description,
    Cause: `${description}, as the journey's simulated Auto Scaling did`,
    StartTime: new Date().toISOString(),
    StatusCode: 'Successful',
  });
}
