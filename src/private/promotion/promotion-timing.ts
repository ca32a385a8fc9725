import { Duration, Token } from 'aws-cdk-lib';
import type { DeploymentWindow } from '../../deployment-window';
import type { PromotionApproval } from '../../promotion-approval';
import { longestSuccessfulRelease } from '../release/release-workflow';

/** CodePipeline's default for a manual approval: it fails after 7 days. */
const DEFAULT_APPROVAL_TIMEOUT = Duration.days(7);

/** An environment as the user declared it (`PromotionEnvironment`), as far as its timing goes. */
export interface TimedEnvironment {
  readonly name: string;
  readonly approval?: PromotionApproval;
  readonly deploymentWindow?: DeploymentWindow;
  readonly releaseTimeout?: Duration;
  readonly soakPeriod?: Duration;
}

/** The longest time from a build to the start of an environment's release, and what it is made of. */
export interface ReleaseWait {
  readonly minutes: number;
  /** Per environment on the way, what it waits for, for example `qa: approval up to 7 days, soak 30 minutes`. */
  readonly parts: string[];
}

/**
 * For each environment, the longest a promotion can take from the bake to the start of the
 * environment's release: the windows, approvals, releases and soaks of the environments before
 * it, then its own window and approval. Undefined where a token leaves it unknown.
 */
export function longestWaitsBeforeRelease(environments: TimedEnvironment[], from: Date): Array<ReleaseWait | undefined> {
  const before: Array<Array<[string, number | undefined]>> = [];
  return environments.map((environment) => {
    const own = entryWaits(environment, from);
    const path = [...before, own];
    before.push([...own, ...stageWaits(environment)]);
    const waits = path.flat();
    if (waits.some(([, minutes]) => minutes === undefined)) return undefined;
    return {
      minutes: waits.reduce((sum, [, minutes]) => sum + minutes!, 0),
      parts: path.map((items, index) => items.length === 0 ? undefined : `${environments[index].name}: ${items.map(([what]) => what).join(', ')}`)
        .filter((part): part is string => part !== undefined),
    };
  });
}

/** What an environment's stage waits for before its release starts: its window, then its approval. */
function entryWaits(environment: TimedEnvironment, from: Date): Array<[string, number | undefined]> {
  const waits: Array<[string, number | undefined]> = [];
  const window = environment.deploymentWindow?._longestWaitMinutes(from);
  if (environment.deploymentWindow !== undefined) {
    waits.push([`window closed up to ${humanMinutes(window)}`, window]);
  }
  const approval = environment.approval?.manualApproval;
  if (approval !== undefined) {
    const timeout = minutesOf(approval.timeout ?? DEFAULT_APPROVAL_TIMEOUT);
    waits.push([`approval up to ${humanMinutes(timeout)}`, timeout]);
  }
  return waits;
}

/** What the stage takes after its release starts, before the next environment's stage. */
function stageWaits(environment: TimedEnvironment): Array<[string, number | undefined]> {
  const release = minutesOf(longestSuccessfulRelease(environment.releaseTimeout));
  const soak = environment.soakPeriod && minutesOf(environment.soakPeriod);
  return [
    [`release up to ${humanMinutes(release)}`, release],
    ...environment.soakPeriod === undefined ? [] : [[`soak ${humanMinutes(soak)}`, soak] as [string, number | undefined]],
  ];
}

function minutesOf(duration: Duration): number | undefined {
  const minutes = duration.toMinutes({ integral: false });
  return Token.isUnresolved(minutes) ? undefined : minutes;
}

/** A number of minutes as days, hours and minutes. */
export function humanMinutes(minutes: number | undefined): string {
  return minutes === undefined ? 'an unknown time' : Duration.minutes(Math.round(minutes)).toHumanString();
}
