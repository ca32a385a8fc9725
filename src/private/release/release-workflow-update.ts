import { Duration, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { ReleaseStates } from './release-workflow-states';

/** How often a wait loop reads the stack's status, unless the timeout needs more polls than allowed. */
const POLL_INTERVAL = Duration.seconds(30);

/**
 * Most polls of one wait loop. A poll is 11 history events (Wait, Task, Pass and Choice), and an
 * execution that times out waits twice (the update, then its rollback): 2 x 720 x 11 events stay
 * well below the 25,000 events a standard execution may record, with room for retries.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-state-machine-executions
 */
export const MAX_POLLS_PER_WAIT = 720;

/** How long each wait loop waits between polls, and how many polls it makes before giving up. */
export function pollSchedule(timeout: Duration): { interval: Duration; polls: number } {
  const seconds = timeout.toSeconds();
  const interval = Math.max(POLL_INTERVAL.toSeconds(), Math.ceil(seconds / MAX_POLLS_PER_WAIT));
  return { interval: Duration.seconds(interval), polls: Math.ceil(seconds / interval) };
}

/**
 * The stack update of a release and what follows it: waiting, cancelling at the timeout, and
 * finding the first resource that failed. Every failure sets `$.failure` and goes to `restore`.
 */
export class StackUpdateStates {
  private readonly stackName: string;

  constructor(private readonly states: ReleaseStates, private readonly timeout: Duration) {
    this.stackName = states.target.stackName;
  }

  /**
   * Starts the environment's release stack update (`ReleaseTarget.stackUpdateStateMachineArn`),
   * which updates the stack with its previous template and parameter values as the release service
   * role, so that CloudFormation resolves the ledger again: the release itself holds no permission
   * to update the stack. "No updates are to be performed" goes to `released` as NO_CHANGE.
   */
  public update(restore: sfn.IChainable, released: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const stateMachineArn = this.states.target.stackUpdateStateMachineArn;
    const input = new sfn.Pass(scope, 'StackUpdateInput', {
      parameters: { 'clientRequestToken.$': '$.updateToken' },
      resultPath: '$.stackUpdateInput',
    });
    const update = this.states.call('UpdateStack', 'sfn', 'startSyncExecution', {
      StateMachineArn: stateMachineArn,
      Input: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.stackUpdateInput')),
    }, '$.stackUpdate');
    const refused = (id: string, template: string, ...paths: string[]) => this.states.explain(id, 'ReleaseNotStarted',
      `${template} The ledger is restored to {} (version {}).`, ...paths, '$.previous.amiId', '$.previous.version').next(restore);
    update.addCatch(refused('ExplainUpdateNotStarted', `Could not start the release stack update ${stateMachineArn} of stack ${this.stackName}: {}.`,
      '$.error.Cause'), { errors: ['States.TaskFailed'], resultPath: '$.error' });
    const updated = new sfn.Pass(scope, 'Updated', { result: sfn.Result.fromString('RELEASED'), resultPath: '$.outcome' }).next(released);
    const noChange = new sfn.Pass(scope, 'NoChange', { result: sfn.Result.fromString('NO_CHANGE'), resultPath: '$.outcome' }).next(released);
    const started = new sfn.Choice(scope, 'UpdateStarted?')
      .when(sfn.Condition.stringEquals('$.stackUpdate.Status', 'SUCCEEDED'), this.waitLoop('Update', updated, this.cancel(updated, restore),
        this.rolledBack(restore)))
      // The stack already runs this release. CloudFormation has prefixed the message before.
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.stackUpdate.Cause'), sfn.Condition.stringMatches('$.stackUpdate.Cause', '*No updates are to be performed*')),
        noChange)
      .when(sfn.Condition.isPresent('$.stackUpdate.Cause'), refused('ExplainUpdateRefused', `CloudFormation did not start updating stack ${this.stackName}: {}.`,
        '$.stackUpdate.Cause'))
      .otherwise(refused('ExplainUpdateNotRun', `The release stack update {} of stack ${this.stackName} ended {} before it updated the stack.`,
        '$.stackUpdate.ExecutionArn', '$.stackUpdate.Status'));
    return input.next(update).next(started);
  }

  /**
   * Cancels an update that outlasts the timeout, then waits for its rollback, or for the update,
   * which may have finished, or started to roll back, before the cancellation. A rollback that
   * outlasts its own bound still ends the release, as timed out.
   */
  private cancel(updated: sfn.IChainable, restore: sfn.IChainable): sfn.IChainable {
    const timedOut = this.states.explain('ExplainTimeout', 'ReleaseTimedOut',
      `Stack ${this.stackName} did not finish updating within ${this.timeout.toHumanString()}, so the release of {} (version {}) was cancelled; `
      + `the stack is {}. The ledger is restored to {} (version {}). ${this.states.where}`,
      '$.amiId', '$.version', '$.update.status', '$.previous.amiId', '$.previous.version').next(restore);
    const cancel = this.states.call('CancelUpdate', 'cloudformation', 'cancelUpdateStack', { StackName: this.stackName }, sfn.JsonPath.DISCARD);
    const rollback = this.waitLoop('Rollback', updated, timedOut, timedOut);
    cancel.addCatch(rollback, { errors: ['States.TaskFailed'], resultPath: '$.cancelError' });
    return cancel.next(rollback);
  }

  /**
   * Polls the stack until it leaves `*_IN_PROGRESS`, at most `timeout` long: UPDATE_COMPLETE goes to
   * `complete`, another final status to `failed`, and a stack still in progress to `expired`.
   */
  private waitLoop(name: string, complete: sfn.IChainable, expired: sfn.IChainable, failed: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const schedule = pollSchedule(this.timeout);
    const wait = new sfn.Wait(scope, `WaitFor${name}`, { time: sfn.WaitTime.duration(schedule.interval) });
    const describe = this.states.describeStack(`Describe${name}`, '$.update', { 'status.$': '$.Stacks[0].StackStatus' });
    describe.addCatch(this.states.explain(`Explain${name}StatusUnknown`, 'ReleaseStatusUnknown',
      `Could not read the status of stack ${this.stackName} while releasing {} (version {}): {}. The ledger names this release; `
      + `if the stack rolled back, release {} (version {}) again to restore the ledger. ${this.states.where}`,
      '$.amiId', '$.version', '$.error.Cause', '$.previous.amiId', '$.previous.version').next(this.states.fail(`${name}StatusUnknown`)),
    { errors: ['States.TaskFailed'], resultPath: '$.error' });
    const inProgress = sfn.Condition.stringMatches('$.update.status', '*_IN_PROGRESS');
    wait.next(describe)
      .next(new sfn.Pass(scope, `Count${name}Poll`, { parameters: { 'polls.$': 'States.MathAdd($.wait.polls, 1)' }, resultPath: '$.wait' }))
      .next(new sfn.Choice(scope, `${name}Done?`)
        .when(sfn.Condition.stringEquals('$.update.status', 'UPDATE_COMPLETE'), complete)
        .when(sfn.Condition.and(inProgress, sfn.Condition.numberGreaterThanEquals('$.wait.polls', schedule.polls)), expired)
        .when(inProgress, wait)
        .otherwise(failed));
    return new sfn.Pass(scope, `StartWaitingFor${name}`, { result: sfn.Result.fromObject({ polls: 0 }), resultPath: '$.wait' }).next(wait);
  }

  /** The first resource that failed in this update, its type and why, from the stack's events. */
  private rolledBack(restore: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const withoutEvent = this.states.explain('ExplainRollbackWithoutEvent', 'ReleaseRolledBack',
      `Stack ${this.stackName} did not take the release of {} (version {}) and is {}; none of its 100 newest events names the resource that failed. `
      + `The ledger is restored to {} (version {}). ${this.states.where}`,
      '$.amiId', '$.version', '$.update.status', '$.previous.amiId', '$.previous.version').next(restore);
    const events = this.states.call('DescribeStackEvents', 'cloudformation', 'describeStackEvents', { StackName: this.stackName }, '$.events',
      { 'list.$': '$.StackEvents' });
    events.addCatch(withoutEvent, { errors: ['States.TaskFailed'], resultPath: '$.error' });
    const failedInThisUpdate = sfn.Condition.and(
      sfn.Condition.isPresent('$.event.ClientRequestToken'),
      sfn.Condition.isPresent('$.event.ResourceStatusReason'),
      sfn.Condition.stringEqualsJsonPath('$.event.ClientRequestToken', '$.token'),
      sfn.Condition.stringMatches('$.event.ResourceStatus', '*_FAILED'),
      sfn.Condition.not(sfn.Condition.stringEquals('$.event.LogicalResourceId', this.stackName)));
    // Every event is marked, so that the marks are never an empty list; a filter is only applied
    // once a failure is known to exist, as one that matches nothing is an error (in the local
    // runner at least).
    const findFailures = new sfn.Map(scope, 'FindFailedResources', {
      itemsPath: '$.events.list',
      itemSelector: { 'event.$': '$$.Map.Item.Value', 'token.$': '$.updateToken' },
      resultSelector: { 'events.$': '$', 'marks.$': '$[*].failed' },
      resultPath: '$.failures',
    }).itemProcessor(new sfn.Choice(scope, 'FailedInThisUpdate?')
      .when(failedInThisUpdate, new sfn.Pass(scope, 'MarkFailure', {
        parameters: {
          'failed': true,
          'LogicalResourceId.$': '$.event.LogicalResourceId',
          'ResourceType.$': '$.event.ResourceType',
          'ResourceStatusReason.$': '$.event.ResourceStatusReason',
        },
      }))
      .otherwise(new sfn.Pass(scope, 'MarkOther', { result: sfn.Result.fromObject({ failed: false }) })));
    // Events come newest first: the first failure of this update is the last one listed.
    const first = new sfn.Pass(scope, 'ListFailures', {
      parameters: { 'list.$': '$.failures.events[?(@.failed == true)]' },
      resultPath: '$.failures',
    }).next(new sfn.Pass(scope, 'FirstFailure', {
      parameters: { 'first.$': 'States.ArrayGetItem($.failures.list, States.MathAdd(States.ArrayLength($.failures.list), -1))' },
      resultPath: '$.failures',
    })).next(this.states.explain('ExplainRollback', 'ReleaseRolledBack',
      `Stack ${this.stackName} did not take the release of {} (version {}) and is {}: {} ({}) failed first: {} `
      + `The ledger is restored to {} (version {}). ${this.states.where}`,
      '$.amiId', '$.version', '$.update.status', '$.failures.first.LogicalResourceId', '$.failures.first.ResourceType',
      '$.failures.first.ResourceStatusReason', '$.previous.amiId', '$.previous.version').next(restore));
    return events.next(new sfn.Choice(scope, 'AnyEvents?')
      .when(sfn.Condition.isPresent('$.events.list[0]'), findFailures
        .next(new sfn.Pass(scope, 'CheckFailures', {
          parameters: { 'found.$': 'States.ArrayContains($.failures.marks, true)', 'events.$': '$.failures.events' },
          resultPath: '$.failures',
        }))
        .next(new sfn.Choice(scope, 'FailureFound?')
          .when(sfn.Condition.booleanEquals('$.failures.found', true), first)
          .otherwise(withoutEvent)))
      .otherwise(withoutEvent));
  }
}
