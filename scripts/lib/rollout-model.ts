/**
 * A MODEL of how long replacing every instance of an Auto Scaling group takes: an instance refresh
 * driven by the group's `AutoScalingInstanceRefresh` update policy, beside a CloudFormation
 * `AutoScalingRollingUpdate`. It is arithmetic over documented behaviour, not a measurement: real
 * rollouts also spend time on scheduling, termination, draining and API pacing that it ignores.
 *
 * Sources (AWS documentation):
 * - How an instance refresh replaces instances in batches bounded by the minimum and maximum
 *   healthy percentages, launching new instances first when the minimum is 100 %:
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html
 * - The healthy-percentage window ("can only increase and decrease capacity within that
 *   minimum-maximum range when replacing instances"; launch before terminating):
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-maintenance-policy-overview-and-considerations.html
 * - Value ranges (minimum 0-100, maximum 100-200, at most 100 apart):
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceMaintenancePolicy.html
 * - InstanceWarmup (waits after a new instance is InService before moving on), BakeTime (waits at
 *   the end; 0-172800 s), CheckpointDelay (waits after a checkpoint; 3600 s when only
 *   CheckpointPercentages is given), MinHealthyPercentage rounded up to a whole instance:
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html
 * - Checkpoints: reached when at least that percentage of instances is new; replacements are
 *   paced to land on them (fewer per batch, never more); a checkpoint already passed is skipped
 *   (2 instances, [10, 40, 100]: one replacement reaches 50 %, so only 40 is reported); example of
 *   10 instances with minimum 80 % and maximum 100 % replacing two at a time:
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-adding-checkpoints-instance-refresh.html
 * - Defaults of a refresh started through the API (minimum 90 %, maximum 100 %, bake time 0,
 *   checkpoint delay 1 hour, warmup = DefaultInstanceWarmup or else HealthCheckGracePeriod):
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html
 * - Defaults of the CloudFormation `AutoScalingInstanceRefresh` update policy, which this model
 *   applies because it reads that policy (instance maintenance policy if any, else minimum 100 % and
 *   maximum 110 % for the Rolling strategy, 90 % and 100 % for ReplaceRootVolume; SkipMatching true):
 *   https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.CfnAutoScalingInstanceRefreshPreferences.html
 * - HealthCheckGracePeriod defaults to 0 s outside the console:
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html
 * - AutoScalingRollingUpdate: MaxBatchSize (default 1), MinInstancesInService (default 0), PauseTime
 *   after each batch (at most PT1H):
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatepolicy.html
 *   https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_autoscaling.RollingUpdateOptions.html
 */

/** The AWS default CheckpointDelay when CheckpointPercentages is given without one: one hour. */
export const DEFAULT_CHECKPOINT_DELAY_SECONDS = 3600;

/** The largest BakeTime and CheckpointDelay AWS accepts: 48 hours. */
const MAX_WAIT_SECONDS = 172_800;

/** The largest PauseTime CloudFormation accepts for a rolling update: one hour (PT1H). */
const MAX_PAUSE_SECONDS = 3600;

/** What an instance refresh plan needs from the policy; percentages are of the group's desired capacity. */
export interface InstanceRefreshPolicy {
  readonly minHealthyPercentage: number;
  readonly maxHealthyPercentage: number;
  /** Seconds the refresh waits after a new instance is InService; `undefined` when the template does not say. */
  readonly instanceWarmupSeconds?: number;
  /** Ascending, unique, ending at 100; none (or empty) means no checkpoints. */
  readonly checkpointPercentages?: readonly number[];
  /** Seconds waited after each checkpoint but the last; defaults to 3600 when checkpoints are set. */
  readonly checkpointDelaySeconds?: number;
  /** Seconds waited after the last replacement before the update counts as done; default 0. */
  readonly bakeTimeSeconds?: number;
}

/** The preferences of an `AutoScalingInstanceRefresh` update policy, AWS defaults applied. */
export interface InstanceRefreshPreferences extends InstanceRefreshPolicy {
  /** Logical id of the Auto Scaling group the policy belongs to. */
  readonly logicalId: string;
  /** `Rolling` (default) or `ReplaceRootVolume`. */
  readonly strategy: string;
  readonly checkpointPercentages: readonly number[];
  readonly checkpointDelaySeconds: number;
  readonly bakeTimeSeconds: number;
  /** Whether instances already on the desired configuration are left alone (the model assumes none are). */
  readonly skipMatching: boolean;
  /** One line per preference the template left out, naming the value used and where it came from. */
  readonly defaultsApplied: readonly string[];
}

/** How long one new instance takes, which the template cannot tell. */
export interface RolloutTiming {
  /** Seconds from launch until the instance is InService and healthy (boot, user data, health checks). */
  readonly launchSeconds: number;
  /** Seconds of instance warmup; defaults to the policy's InstanceWarmup. */
  readonly warmupSeconds?: number;
}

/** Replacement waves and how long they take at worst. */
export interface RolloutPlan {
  /** Batches of instances replaced together, one after the other. */
  readonly waves: number;
  /** Seconds from the first launch until the update is complete, when every wave takes its full time. */
  readonly worstCaseSeconds: number;
}

/** A CloudFormation `AutoScalingRollingUpdate` policy, as far as its duration depends on it. */
export interface RollingUpdatePolicy {
  /** Instances replaced at once (CloudFormation default 1). */
  readonly maxBatchSize: number;
  /** Instances that must stay in service (CloudFormation default 0). */
  readonly minInstancesInService?: number;
  /** PauseTime in seconds, waited after each batch (CloudFormation default 0, at most 3600). */
  readonly pauseSeconds: number;
}

/** One line of the rollout table. */
export interface RolloutRow {
  readonly fleetSize: number;
  readonly refresh: RolloutPlan;
  readonly rollingUpdate: RolloutPlan;
}

type TemplateResource = { Type?: string; Properties?: Record<string, unknown>; UpdatePolicy?: Record<string, any> };

/**
 * Reads `UpdatePolicy.AutoScalingInstanceRefresh` of an `AWS::AutoScaling::AutoScalingGroup` in a
 * synthesized template (CloudFormation casing) and applies the AWS defaults to what it leaves out.
 * Without `logicalId`, the template must hold exactly one group with such a policy.
 */
export function instanceRefreshPreferencesFromTemplate(
  template: { Resources?: Record<string, unknown> },
  logicalId?: string,
): InstanceRefreshPreferences {
  const groups = Object.entries((template?.Resources ?? {}) as Record<string, TemplateResource>)
    .filter(([, resource]) => resource?.Type === 'AWS::AutoScaling::AutoScalingGroup');
  const withPolicy = groups.filter(([, resource]) => resource.UpdatePolicy?.AutoScalingInstanceRefresh !== undefined);

  let id: string;
  let group: TemplateResource;
  if (logicalId !== undefined) {
    const found = groups.find(([groupId]) => groupId === logicalId);
    if (!found) {
      const known = groups.map(([groupId]) => groupId).join(', ') || 'none';
      throw new Error(`The template has no AWS::AutoScaling::AutoScalingGroup with logical id '${logicalId}' (Auto Scaling groups: ${known})`);
    }
    [id, group] = found;
    if (group.UpdatePolicy?.AutoScalingInstanceRefresh === undefined) {
      throw new Error(`Auto Scaling group '${id}' has no UpdatePolicy.AutoScalingInstanceRefresh${describeOtherPolicies(group)}`);
    }
  } else if (withPolicy.length === 1) {
    [[id, group]] = withPolicy;
  } else if (withPolicy.length > 1) {
    throw new Error(`The template has ${withPolicy.length} Auto Scaling groups with UpdatePolicy.AutoScalingInstanceRefresh `
      + `(${withPolicy.map(([groupId]) => groupId).join(', ')}); name one by its logical id`);
  } else if (groups.length === 0) {
    throw new Error('The template has no AWS::AutoScaling::AutoScalingGroup, so there is no instance refresh policy to model');
  } else {
    throw new Error('No Auto Scaling group in the template has UpdatePolicy.AutoScalingInstanceRefresh '
      + `(groups without it: ${groups.map(([groupId, g]) => `${groupId}${describeOtherPolicies(g)}`).join(', ')})`);
  }

  const policy = group.UpdatePolicy!.AutoScalingInstanceRefresh;
  const where = `Resources/${id}/UpdatePolicy/AutoScalingInstanceRefresh`;
  const preferences: Record<string, unknown> = policy?.Preferences ?? {};
  const properties = group.Properties ?? {};
  const defaultsApplied: string[] = [];

  const strategy = policy?.Strategy === undefined ? 'Rolling' : String(policy.Strategy);
  if (policy?.Strategy === undefined) {
    defaultsApplied.push('Strategy Rolling (the default strategy)');
  }

  // Healthy percentages: the group's instance maintenance policy if it has one, otherwise the
  // CloudFormation policy defaults for the strategy (100/110 Rolling, 90/100 ReplaceRootVolume).
  const maintenance = properties.InstanceMaintenancePolicy as Record<string, unknown> | undefined;
  const rolling = strategy !== 'ReplaceRootVolume';
  const percentage = (name: 'MinHealthyPercentage' | 'MaxHealthyPercentage', strategyDefault: number): number => {
    if (preferences[name] !== undefined) {
      return toNumber(preferences[name], `${where}/Preferences/${name}`);
    }
    if (maintenance?.[name] !== undefined) {
      const value = toNumber(maintenance[name], `Resources/${id}/Properties/InstanceMaintenancePolicy/${name}`);
      defaultsApplied.push(`${name} ${value} (from the group's InstanceMaintenancePolicy)`);
      return value;
    }
    defaultsApplied.push(`${name} ${strategyDefault} (AutoScalingInstanceRefresh default for the ${strategy} strategy)`);
    return strategyDefault;
  };
  const minHealthyPercentage = percentage('MinHealthyPercentage', rolling ? 100 : 90);
  const maxHealthyPercentage = percentage('MaxHealthyPercentage', rolling ? 110 : 100);

  // Warmup: the policy's InstanceWarmup, else the group's DefaultInstanceWarmup, else its
  // HealthCheckGracePeriod; when the template sets none, AWS would use a grace period of 0 s, and
  // the value is left undefined so that callers choose (and say) what to assume.
  let instanceWarmupSeconds: number | undefined;
  if (preferences.InstanceWarmup !== undefined) {
    instanceWarmupSeconds = toNumber(preferences.InstanceWarmup, `${where}/Preferences/InstanceWarmup`);
  } else {
    const source = ['DefaultInstanceWarmup', 'HealthCheckGracePeriod'].find((name) => properties[name] !== undefined);
    if (source) {
      instanceWarmupSeconds = toNumber(properties[source], `Resources/${id}/Properties/${source}`);
      defaultsApplied.push(`InstanceWarmup ${instanceWarmupSeconds} s (from the group's ${source})`);
    } else {
      defaultsApplied.push('InstanceWarmup not set (nor the group\'s DefaultInstanceWarmup or HealthCheckGracePeriod; AWS would wait 0 s)');
    }
  }

  let checkpointPercentages: number[] = [];
  if (preferences.CheckpointPercentages !== undefined) {
    if (!Array.isArray(preferences.CheckpointPercentages)) {
      throw new Error(`${where}/Preferences/CheckpointPercentages must be a list of numbers, got ${JSON.stringify(preferences.CheckpointPercentages)}`);
    }
    checkpointPercentages = preferences.CheckpointPercentages.map((value, index) => toNumber(value, `${where}/Preferences/CheckpointPercentages/${index}`));
  }

  let checkpointDelaySeconds = DEFAULT_CHECKPOINT_DELAY_SECONDS;
  if (preferences.CheckpointDelay !== undefined) {
    checkpointDelaySeconds = toNumber(preferences.CheckpointDelay, `${where}/Preferences/CheckpointDelay`);
  } else if (checkpointPercentages.length > 0) {
    defaultsApplied.push(`CheckpointDelay ${DEFAULT_CHECKPOINT_DELAY_SECONDS} s (AWS default when checkpoints are set)`);
  }

  let bakeTimeSeconds = 0;
  if (preferences.BakeTime !== undefined) {
    bakeTimeSeconds = toNumber(preferences.BakeTime, `${where}/Preferences/BakeTime`);
  } else {
    defaultsApplied.push('BakeTime 0 s (AWS default)');
  }

  let skipMatching = true;
  if (preferences.SkipMatching !== undefined) {
    skipMatching = toBoolean(preferences.SkipMatching, `${where}/Preferences/SkipMatching`);
  } else {
    defaultsApplied.push('SkipMatching true (AutoScalingInstanceRefresh default)');
  }

  const result: InstanceRefreshPreferences = {
    logicalId: id,
    strategy,
    minHealthyPercentage,
    maxHealthyPercentage,
    instanceWarmupSeconds,
    checkpointPercentages,
    checkpointDelaySeconds,
    bakeTimeSeconds,
    skipMatching,
    defaultsApplied,
  };
  validateRefreshPolicy(result, where);
  return result;
}

/**
 * Waves and worst-case duration of an instance refresh replacing all `fleetSize` instances.
 *
 * Assumptions of the model:
 * - Every instance is out of date (a new AMI), so SkipMatching skips nothing.
 * - A wave replaces as many instances as the healthy-percentage window allows:
 *   floor(N x max / 100) - ceil(N x min / 100), at least one and at most N. With a maximum above
 *   100 % the new instances launch before the old ones terminate (min 100 %, max 200 % replaces the
 *   whole fleet in one wave); with a maximum of 100 % capacity below the minimum bounds the batch
 *   (10 instances at 80 % replace two at a time, as in the AWS checkpoint example).
 * - A wave takes launchSeconds (launch to healthy and InService) plus the warmup, whichever order
 *   launch and termination happen in; terminating, draining and API pacing take no time.
 * - Checkpoints split the waves: each checkpoint needs ceil(N x p / 100) new instances, batches are
 *   shrunk so as not to pass it, a checkpoint already passed is skipped, and CheckpointDelay is
 *   waited after each checkpoint reached except the final 100 % one (the refresh is then done).
 * - BakeTime is added once at the end. Nothing fails: no alarm, rollback, retry or scaling.
 */
export function instanceRefreshPlan(fleetSize: number, preferences: InstanceRefreshPolicy, timing: RolloutTiming): RolloutPlan {
  requirePositiveInteger(fleetSize, 'fleetSize');
  validateRefreshPolicy(preferences, 'preferences');
  requireSeconds(timing.launchSeconds, 'timing.launchSeconds');
  const warmupSeconds = timing.warmupSeconds ?? preferences.instanceWarmupSeconds;
  if (warmupSeconds === undefined) {
    throw new Error('No instance warmup: the policy has no InstanceWarmup, so pass timing.warmupSeconds');
  }
  requireSeconds(warmupSeconds, 'warmup');

  const batchSize = Math.min(fleetSize, Math.max(1,
    Math.floor((fleetSize * preferences.maxHealthyPercentage) / 100) - Math.ceil((fleetSize * preferences.minHealthyPercentage) / 100)));
  const checkpoints = preferences.checkpointPercentages?.length ? preferences.checkpointPercentages : [100];
  const checkpointDelaySeconds = preferences.checkpointDelaySeconds ?? DEFAULT_CHECKPOINT_DELAY_SECONDS;
  const waveSeconds = timing.launchSeconds + warmupSeconds;

  let replaced = 0;
  let waves = 0;
  let seconds = 0;
  checkpoints.forEach((checkpoint, index) => {
    const target = Math.ceil((fleetSize * checkpoint) / 100);
    if (target <= replaced) {
      return; // already passed by an earlier checkpoint's last wave: skipped, no extra wait
    }
    const segmentWaves = Math.ceil((target - replaced) / batchSize);
    waves += segmentWaves;
    seconds += segmentWaves * waveSeconds;
    replaced = target;
    if (index < checkpoints.length - 1) {
      seconds += checkpointDelaySeconds;
    }
  });
  return { waves, worstCaseSeconds: seconds + (preferences.bakeTimeSeconds ?? 0) };
}

/**
 * Waves and worst-case duration of a CloudFormation `AutoScalingRollingUpdate` replacing all
 * `fleetSize` instances.
 *
 * Assumptions of the model:
 * - A batch is MaxBatchSize instances, fewer when MinInstancesInService leaves less room; when
 *   MinInstancesInService is at least the fleet size, CloudFormation launches first and the batch
 *   stays MaxBatchSize (the group's MaxSize is assumed to allow it).
 * - A batch takes launchSeconds (until the new instances are InService) plus PauseTime, which
 *   CloudFormation waits after every batch, the last included. No WaitOnResourceSignals, no
 *   failures; terminating and draining take no time. Instance warmup does not apply.
 */
export function rollingUpdatePlan(fleetSize: number, policy: RollingUpdatePolicy, timing: Pick<RolloutTiming, 'launchSeconds'>): RolloutPlan {
  requirePositiveInteger(fleetSize, 'fleetSize');
  requirePositiveInteger(policy.maxBatchSize, 'maxBatchSize');
  const minInstancesInService = policy.minInstancesInService ?? 0;
  if (!Number.isInteger(minInstancesInService) || minInstancesInService < 0) {
    throw new Error(`minInstancesInService must be a whole number of instances, 0 or more, got ${minInstancesInService}`);
  }
  requireSeconds(policy.pauseSeconds, 'pauseSeconds');
  if (policy.pauseSeconds > MAX_PAUSE_SECONDS) {
    throw new Error(`pauseSeconds must be at most ${MAX_PAUSE_SECONDS} (PauseTime PT1H), got ${policy.pauseSeconds}`);
  }
  requireSeconds(timing.launchSeconds, 'timing.launchSeconds');

  const room = fleetSize - minInstancesInService;
  const batchSize = room >= 1 ? Math.min(policy.maxBatchSize, room) : policy.maxBatchSize;
  const waves = Math.ceil(fleetSize / batchSize);
  return { waves, worstCaseSeconds: waves * (timing.launchSeconds + policy.pauseSeconds) };
}

/** The rollout table as plain text: one line per fleet size, durations in minutes with one decimal. */
export function renderRolloutTable(rows: readonly RolloutRow[]): string {
  const header = ['fleet size', 'refresh waves', 'refresh worst case (min)', 'rolling-update waves', 'rolling-update worst case (min)'];
  const minutes = (seconds: number) => (seconds / 60).toFixed(1);
  const cells = rows.map((row) => [
    String(row.fleetSize),
    String(row.refresh.waves),
    minutes(row.refresh.worstCaseSeconds),
    String(row.rollingUpdate.waves),
    minutes(row.rollingUpdate.worstCaseSeconds),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const line = (values: string[]) => values.map((value, column) => value.padStart(widths[column])).join(' | ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...cells.map(line)].join('\n') + '\n';
}

/** Throws, naming `where`, when the percentages, checkpoints or waits are outside what AWS accepts. */
function validateRefreshPolicy(policy: InstanceRefreshPolicy, where: string): void {
  const { minHealthyPercentage: min, maxHealthyPercentage: max } = policy;
  if (!Number.isFinite(min) || min < 0 || min > 100) {
    throw new Error(`${where}: MinHealthyPercentage must be between 0 and 100, got ${min}`);
  }
  if (!Number.isFinite(max) || max < 100 || max > 200) {
    throw new Error(`${where}: MaxHealthyPercentage must be between 100 and 200, got ${max}`);
  }
  if (max - min > 100) {
    throw new Error(`${where}: MaxHealthyPercentage (${max}) and MinHealthyPercentage (${min}) must be at most 100 apart`);
  }
  const checkpoints = policy.checkpointPercentages ?? [];
  if (checkpoints.length > 0) {
    checkpoints.forEach((checkpoint, index) => {
      if (!Number.isFinite(checkpoint) || checkpoint <= 0 || checkpoint > 100) {
        throw new Error(`${where}: CheckpointPercentages must be between 1 and 100, got ${checkpoint}`);
      }
      if (index > 0 && checkpoint <= checkpoints[index - 1]) {
        throw new Error(`${where}: CheckpointPercentages must be unique and ascending, got ${JSON.stringify(checkpoints)}`);
      }
    });
    if (checkpoints[checkpoints.length - 1] !== 100) {
      throw new Error(`${where}: CheckpointPercentages must end at 100 to replace every instance, got ${JSON.stringify(checkpoints)}`);
    }
  }
  for (const [name, value] of [['CheckpointDelay', policy.checkpointDelaySeconds], ['BakeTime', policy.bakeTimeSeconds]] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0 || value > MAX_WAIT_SECONDS)) {
      throw new Error(`${where}: ${name} must be between 0 and ${MAX_WAIT_SECONDS} seconds (48 hours), got ${value}`);
    }
  }
  if (policy.instanceWarmupSeconds !== undefined) {
    requireSeconds(policy.instanceWarmupSeconds, `${where}: InstanceWarmup`);
  }
}

/** A template value as a number: numbers as they are, numeric strings parsed; anything else (a token) is an error. */
function toNumber(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
    return Number(value);
  }
  throw new Error(`${where} must be a number or a numeric string, got ${JSON.stringify(value)}`);
}

/** A template value as a boolean: booleans or the strings true/false. */
function toBoolean(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw new Error(`${where} must be true or false, got ${JSON.stringify(value)}`);
}

/** ' (it has AutoScalingRollingUpdate)' when a group uses other update policies, else ''. */
function describeOtherPolicies(group: TemplateResource): string {
  const others = Object.keys(group.UpdatePolicy ?? {}).filter((name) => name !== 'AutoScalingScheduledAction');
  return others.length ? ` (it has ${others.join(', ')})` : '';
}

function requirePositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number of instances, 1 or more, got ${value}`);
  }
}

function requireSeconds(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a number of seconds, 0 or more, got ${value}`);
  }
}
