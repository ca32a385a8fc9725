import { Duration, Token } from 'aws-cdk-lib';

/** The rollout settings that instance refresh limits, as the deployment resolved them. */
export interface RolloutSettings {
  readonly minHealthyPercentage: number;
  readonly maxHealthyPercentage: number;
  readonly checkpointPercentages?: number[];
  readonly checkpointDelay?: Duration;
  readonly bakeTime: Duration;
  readonly alarmCount: number;
}

const MAX_PAUSE_SECONDS = 172800;
const MAX_ALARMS = 10;

/**
 * Throws, naming the prop and value, for every setting CloudFormation's instance refresh would
 * reject. Unresolved tokens are left for CloudFormation to check.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatepolicy.html#cfn-attributes-updatepolicy-instancerefresh
 */
export function validateRollout(settings: RolloutSettings): void {
  const { minHealthyPercentage: min, maxHealthyPercentage: max } = settings;
  if (!Token.isUnresolved(min) && (!Number.isInteger(min) || min < 0 || min > 100)) {
    throw new Error(`rollout.minHealthyPercentage must be an integer from 0 to 100, got ${min}`);
  }
  if (!Token.isUnresolved(max) && (!Number.isInteger(max) || max < 100 || max > 200)) {
    throw new Error(`rollout.maxHealthyPercentage must be an integer from 100 to 200, got ${max}`);
  }
  if (!Token.isUnresolved(min) && !Token.isUnresolved(max) && max - min > 100) {
    throw new Error(`rollout.maxHealthyPercentage (${max}) may be at most 100 above minHealthyPercentage (${min})`);
  }
  validateCheckpoints(settings.checkpointPercentages);
  for (const [prop, duration] of [['checkpointDelay', settings.checkpointDelay], ['bakeTime', settings.bakeTime]] as const) {
    if (duration && !Token.isUnresolved(duration.toSeconds()) && duration.toSeconds() > MAX_PAUSE_SECONDS) {
      throw new Error(`rollout.${prop} must be at most 48 hours, got ${duration.toHumanString()}`);
    }
  }
  if (settings.alarmCount > MAX_ALARMS) {
    throw new Error(`An instance refresh watches at most ${MAX_ALARMS} alarms; the built-in and rollout.alarms make ${settings.alarmCount}`);
  }
}

/**
 * Healthy percentages with which Auto Scaling terminates an instance before it launches its
 * replacement (it launches first only at a minimum of 100 %), so that the replacement can take the
 * volume the terminated instance held.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-maintenance-policy.html
 */
export const TERMINATE_FIRST = { minHealthyPercentage: 99, maxHealthyPercentage: 100 };

/** A stateful group must terminate before it launches, or the replacement waits for a volume its predecessor keeps. */
export function validateTerminateFirst(min: number, max: number): void {
  if ((!Token.isUnresolved(min) && min >= 100) || (!Token.isUnresolved(max) && max > 100)) {
    throw new Error('A deployment with a data volume replaces an instance by terminating it first, so that its replacement can take its volume: '
      + `rollout.minHealthyPercentage must be below 100 and maxHealthyPercentage 100, got ${min} and ${max}`);
  }
}

function validateCheckpoints(checkpoints: number[] | undefined): void {
  if (!checkpoints || checkpoints.some((value) => Token.isUnresolved(value))) return;
  const ascending = checkpoints.every((value, index) => index === 0 || value > checkpoints[index - 1]);
  const inRange = checkpoints.every((value) => Number.isInteger(value) && value >= 1 && value <= 100);
  if (checkpoints.length === 0 || !ascending || !inRange || checkpoints[checkpoints.length - 1] !== 100) {
    throw new Error(`rollout.checkpointPercentages must be unique integers from 1 to 100 in ascending order, ending at 100, got [${checkpoints.join(', ')}]`);
  }
}
