import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { NO_RELEASE } from './release-ledger';
import { ReleaseStates, ledgerNames, releaseFields } from './release-workflow-states';

/**
 * Labels of the ledger's parameter versions. After each successful release the version it wrote
 * is `current-release` and the version that ran before it is `previous-release`; Systems Manager
 * moves a label that is already on another version. Restores after a failed release write the
 * values of the release before, so a restored version is as good as the one it copies.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-labels.html
 */
export const RELEASE_LABELS = { current: 'current-release', previous: 'previous-release' };

/**
 * The states that keep the ledger's release labels, and that return an environment to its
 * previous release from them: no rebuild, only the ledger.
 */
export class ReleaseLabelStates {
  private readonly names: string[];

  constructor(private readonly states: ReleaseStates) {
    this.names = ledgerNames(states.target);
  }

  /**
   * Labels the versions a successful release wrote (`$.ledgerWritten`) and the versions it
   * replaced (`$.previousVersions`), then goes to `next`.
   */
  public label(next: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const labelAll = (id: string, itemsPath: string, label: string, versionPath: string) => new sfn.Map(scope, id, {
      itemsPath, maxConcurrency: 1, resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(this.states.call(`${id}Version`, 'ssm', 'labelParameterVersion', {
      Name: sfn.JsonPath.stringAt('$.Name'),
      ParameterVersion: sfn.JsonPath.numberAt(versionPath),
      Labels: [label],
    }, sfn.JsonPath.DISCARD));
    const previous = labelAll('LabelPreviousRelease', '$.previousVersions', RELEASE_LABELS.previous, '$.Version');
    const current = labelAll('LabelCurrentRelease', '$.ledgerWritten', RELEASE_LABELS.current, '$.written.Version');
    const notLabelled = this.states.explain('ExplainLedgerNotLabelled', 'LedgerNotLabelled',
      `Stack ${this.states.target.stackName} runs {} (version {}) and the ledger names it, but its versions could not be labelled `
      + `${RELEASE_LABELS.current} and ${RELEASE_LABELS.previous}: {}. Returning to the previous release would return to an older one until the next release.`,
      '$.amiId', '$.version', '$.error.Cause').next(this.states.fail('LedgerNotLabelled'));
    for (const map of [previous, current]) {
      map.addCatch(notLabelled, { errors: ['States.ALL'], resultPath: '$.error' });
    }
    return previous.next(current).next(next);
  }

  /**
   * When the input is `{ "returnToPreviousRelease": true }`, reads the ledger's `previous-release`
   * versions into the release fields and goes to `release`; fails with `NoPreviousRelease` when
   * there is none. Any other input goes to `release` as it is.
   */
  public returnToPrevious(release: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const selectors = new sfn.Pass(scope, 'PreviousReleaseSelectors', {
      result: sfn.Result.fromArray(this.names.map((name) => `${name}:${RELEASE_LABELS.previous}`)),
      resultPath: '$.previousRelease',
    });
    const noPrevious = (id: string) => new sfn.Fail(scope, id, {
      error: 'NoPreviousRelease',
      cause: `The ledger of stack ${this.states.target.stackName} (account ${this.states.target.account}, region ${this.states.target.region}) `
        + `labels no release before the current one (${this.names[0]}:${RELEASE_LABELS.previous}): nothing was changed. `
        + 'Release an earlier AMI by its id instead.',
    });
    const readParameter = this.states.call('ReadPreviousReleaseParameter', 'ssm', 'getParameter', { Name: sfn.JsonPath.stringAt('$.selector') }, '$.parameter',
      { 'Value.$': '$.Parameter.Value' });
    // Fails the Map, and so the execution, with this error.
    readParameter.addCatch(noPrevious('PreviousReleaseNotLabelled'), {
      errors: ['Ssm.ParameterVersionNotFoundException', 'Ssm.ParameterNotFoundException'], resultPath: '$.error',
    });
    const read = new sfn.Map(scope, 'ReadPreviousRelease', {
      itemsPath: '$.previousRelease', itemSelector: { 'selector.$': '$$.Map.Item.Value' }, maxConcurrency: 1, resultPath: '$.previousRelease',
    }).itemProcessor(readParameter);
    const asRelease = new sfn.Pass(scope, 'PreviousReleaseAsInput', {
      parameters: {
        ...Object.fromEntries(releaseFields(this.states.target).map((field, index) => [`${field}.$`, `$.previousRelease[${index}].parameter.Value`])),
        // A return is not judged again by the environment's vulnerability policy (ImageFindingsGate).
        returnToPreviousRelease: true,
      },
    });
    const beforeFirst = new sfn.Choice(scope, 'PreviousIsARelease?')
      .when(sfn.Condition.stringEquals('$.version', NO_RELEASE), noPrevious('PreviousIsBeforeFirstRelease'))
      .otherwise(release);
    return new sfn.Choice(scope, 'ReturnToPreviousRelease?')
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.returnToPreviousRelease'), sfn.Condition.booleanEquals('$.returnToPreviousRelease', true)), selectors.next(read).next(asRelease).next(beforeFirst))
      .otherwise(release);
  }
}
