import { Lazy, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { NO_RELEASE } from './release-ledger';
import { RELEASE_LABELS } from './release-workflow-labels';
import { ReleaseStates } from './release-workflow-states';
import { IN_USE_BY_TAG_PREFIX, IN_USE_TAG_KEY, IN_USE_TAG_VALUE, RELEASE_TAG_KEYS, inUseByTagKey } from '../shared/release-tags';

/**
 * What a release did with the in-use tags of the AMI it retired, the one the ledger held as its
 * previous release until now: in the release's output as `retiredAmi.inUseTag`. The AMI it
 * replaced becomes the previous release and keeps its tags (`previousAmi`).
 */
export const RETIRED_AMI_OUTCOMES = {
  /** No environment's tag is left: the lifecycle policy may retire the AMI (or the release deregistered it, see `deregistered`). */
  retired: 'REMOVED',
  /** Another environment in the account and region still runs it or holds it as previous, and keeps it tagged. */
  inUseElsewhere: 'KEPT_IN_USE_ELSEWHERE',
  /** It is the released AMI, or the previous release, again: it stays held. */
  stillHeld: 'KEPT_STILL_HELD',
  /** The ledger held no release before the previous one. */
  nothingToRetire: 'NOTHING_TO_RETIRE',
  /** A tag call failed: `retiredAmi.cause` says which and why. The release itself succeeded. */
  notRemoved: 'NOT_REMOVED',
} as const;

/**
 * How long an AMI no environment holds any more may stay before the release that retires it
 * deregisters it itself (with its snapshots), instead of leaving it to the lifecycle policy: the
 * policy's deletion age. Older, its Image Builder image has been deleted around it while it was
 * held (Image Builder deletes an image whose AMI an exclusion rule keeps, and never reaches that
 * AMI again), so nothing else would.
 */
export interface AmiRetirement {
  /** The lifecycle policy's deletion age in days, rendered when the definition is; undefined: never deregister. */
  readonly deletionAgeDays: () => number | undefined;
}

/** The tag keys a release puts on its AMI, the only ones its role may put on images. */
export function releaseTagKeys(stackName: string): string[] {
  return [IN_USE_TAG_KEY, inUseByTagKey(stackName), RELEASE_TAG_KEYS.version, RELEASE_TAG_KEYS.commitId, RELEASE_TAG_KEYS.commitMessage,
    RELEASE_TAG_KEYS.pipelineExecutionId];
}

/**
 * The states that keep AMIs' in-use tags true to the ledger: a successful release tags its AMI in
 * use by the environment; the AMI it replaced stays tagged as the previous release, which a return
 * to it needs; the release before that one, which the ledger no longer holds, loses this
 * environment's tag, the shared in-use tag once no environment's tag is left on it, and, when it
 * is older than the lifecycle policy's deletion age, its registration.
 */
export class InUseTagStates {
  private readonly environmentTagKey: string;

  constructor(private readonly states: ReleaseStates, private readonly environmentName: string, private readonly retirement: AmiRetirement) {
    this.environmentTagKey = inUseByTagKey(states.target.stackName);
  }
  /**
   * Tags the released AMI in use, so the recipe's lifecycle policy keeps it, with its provenance.
   * A failure fails the execution with `AmiNotTagged`: the environment runs an AMI nothing protects.
   */
  public tagReleased(next: sfn.IChainable): sfn.IChainable {
    const { target } = this.states;
    const tag = this.states.call('TagAmi', 'ec2', 'createTags', {
      Resources: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.amiId')),
      Tags: [
        { Key: IN_USE_TAG_KEY, Value: IN_USE_TAG_VALUE },
        { Key: this.environmentTagKey, Value: this.environmentName },
        { Key: RELEASE_TAG_KEYS.version, Value: sfn.JsonPath.stringAt('$.version') },
        { Key: RELEASE_TAG_KEYS.commitId, Value: sfn.JsonPath.stringAt('$.commitId') },
        { Key: RELEASE_TAG_KEYS.commitMessage, Value: sfn.JsonPath.stringAt('$.commitMessage') },
        { Key: RELEASE_TAG_KEYS.pipelineExecutionId, Value: sfn.JsonPath.stringAt('$.pipelineExecutionId') },
      ],
    }, sfn.JsonPath.DISCARD);
    tag.addCatch(this.states.explain('ExplainAmiNotTagged', 'AmiNotTagged',
      `Stack ${target.stackName} runs {} (version {}) and the ledger names it, but the AMI could not be tagged ${IN_USE_TAG_KEY}=${IN_USE_TAG_VALUE} `
      + `in account ${target.account}, region ${target.region}: {}. Tag it by hand, or the image lifecycle policy may delete it.`,
      '$.amiId', '$.version', '$.error.Cause').next(this.states.fail('AmiNotTagged')), { errors: ['States.TaskFailed'], resultPath: '$.error' });
    return tag.next(next);
  }

  /**
   * Reads which AMI the ledger holds as its previous release before this release moves the label
   * (`$.retiring.amiId`): the one this release retires. Absent for the first two releases.
   */
  public readRetiring(next: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const [amiName, versionName] = [this.states.target.amiParameterName, this.states.target.versionParameterName];
    const none = new sfn.Pass(scope, 'NothingToRetire', { result: sfn.Result.fromObject({}), resultPath: '$.retiring' }).next(next);
    const read = (id: string, name: string, resultPath: string) => {
      const call = this.states.call(id, 'ssm', 'getParameter', { Name: `${name}:${RELEASE_LABELS.previous}` }, resultPath, { 'value.$': '$.Parameter.Value' });
      // No label yet; or the label cannot be read, and retiring is best effort, never a reason not to release.
      call.addCatch(none, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
      return call;
    };
    const version = read('ReadRetiringVersion', versionName, '$.retiring.version');
    const ami = read('ReadRetiringAmi', amiName, '$.retiring.ami');
    return version.next(new sfn.Choice(scope, 'RetiringIsARelease?')
      .when(sfn.Condition.stringEquals('$.retiring.version.value', NO_RELEASE), none)
      .otherwise(ami.next(new sfn.Pass(scope, 'Retiring', { parameters: { 'amiId.$': '$.retiring.ami.value' }, resultPath: '$.retiring' })).next(next)));
  }

  /**
   * Records the AMI the release replaced as kept (`$.previousAmi`), and retires `$.retiring`: takes
   * this environment's in-use tag off it, the shared one once no environment's tag is left, and
   * deregisters it when it is older than the lifecycle policy's deletion age; records the outcome
   * in `$.retiredAmi` and goes to `next`. Ids are `imageId`, so that `amiId` names one AMI only in
   * the output that release dashboards parse. A failure is recorded, not raised: the release
   * succeeded, and failing it would make the pipeline roll a good release back over a tag.
   */
  public retire(next: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const outcome = (id: string, inUseTag: string, extra: Record<string, unknown> = {}) => new sfn.Pass(scope, id, {
      parameters: { 'imageId.$': '$.retiring.amiId', inUseTag, ...extra },
      resultPath: '$.retiredAmi',
    }).next(next);
    const notRemoved = new sfn.Pass(scope, 'RetiredAmiTagsNotRemoved', {
      parameters: {
        'imageId.$': '$.retiring.amiId',
        'inUseTag': RETIRED_AMI_OUTCOMES.notRemoved,
        'cause': sfn.JsonPath.format(`Could not retire {}, which the ledger no longer holds: {}. Remove its in-use tags ${this.environmentTagKey} and ${IN_USE_TAG_KEY} `
          + 'by hand (and deregister it if its Image Builder image is gone).', sfn.JsonPath.stringAt('$.retiring.amiId'), sfn.JsonPath.stringAt('$.error.Cause')),
      },
      resultPath: '$.retiredAmi',
    }).next(next);
    const untag = this.untag('UntagRetiredAmi', this.environmentTagKey);
    const readUsers = this.states.call('ReadRetiredAmiUsers', 'ec2', 'describeTags', {
      Filters: [
        { Name: 'resource-id', Values: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.retiring.amiId')) },
        { Name: 'key', Values: [`${IN_USE_BY_TAG_PREFIX}*`] },
      ],
    }, '$.retiredAmiUsers', { 'count.$': 'States.ArrayLength($.Tags)' });
    const untagShared = this.untag('UntagRetiredAmiShared', IN_USE_TAG_KEY);
    const readCreation = this.states.call('ReadRetiredAmiCreation', 'ec2', 'describeImages', {
      ImageIds: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.retiring.amiId')),
    }, '$.retiredAmiImage', { 'created.$': '$.Images[0].CreationDate' });
    const deregister = this.states.call('DeregisterRetiredAmi', 'ec2', 'deregisterImage', {
      ImageId: sfn.JsonPath.stringAt('$.retiring.amiId'),
      DeleteAssociatedSnapshots: true,
    }, sfn.JsonPath.DISCARD);
    [untag, readUsers, untagShared, readCreation, deregister].forEach((call) => call.addCatch(notRemoved, { errors: ['States.ALL'], resultPath: '$.error' }));
    const stillHeld = sfn.Condition.or(
      sfn.Condition.stringEqualsJsonPath('$.retiring.amiId', '$.amiId'),
      sfn.Condition.stringEqualsJsonPath('$.retiring.amiId', '$.previous.amiId'));
    const retirement = readCreation.next(this.pastDeletionAge()).next(new sfn.Choice(scope, 'RetiredAmiPastDeletionAge?')
      .when(sfn.Condition.booleanEquals('$.retiredAmiImage.pastDeletionAge', true),
        deregister.next(outcome('RetiredAmiDeregistered', RETIRED_AMI_OUTCOMES.retired, { deregistered: true })))
      .otherwise(outcome('RetiredAmiLeftToLifecycle', RETIRED_AMI_OUTCOMES.retired, { deregistered: false })));
    const retireIt = untag.next(readUsers).next(new sfn.Choice(scope, 'RetiredAmiUsed?')
      .when(sfn.Condition.numberEquals('$.retiredAmiUsers.count', 0), untagShared.next(retirement))
      .otherwise(outcome('RetiredAmiUsedElsewhere', RETIRED_AMI_OUTCOMES.inUseElsewhere)));
    const previousKept = new sfn.Pass(scope, 'PreviousAmiKept', {
      parameters: { 'imageId.$': '$.previous.amiId' },
      resultPath: '$.previousAmi',
    });
    return previousKept.next(new sfn.Choice(scope, 'AnythingToRetire?')
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.retiring.amiId')), new sfn.Pass(scope, 'NoAmiToRetire', {
        parameters: { inUseTag: RETIRED_AMI_OUTCOMES.nothingToRetire },
        resultPath: '$.retiredAmi',
      }).next(next))
      .when(stillHeld, outcome('RetiringAmiStillHeld', RETIRED_AMI_OUTCOMES.stillHeld))
      .otherwise(retireIt));
  }

  /**
   * The only JSONata state of this part: whether the retired AMI was created longer ago than the
   * lifecycle policy's deletion age, by the time this state is entered. JSONPath has no dates.
   */
  private pastDeletionAge(): sfn.Pass {
    const days = Lazy.string({
      produce: () => {
        const age = this.retirement.deletionAgeDays();
        return age === undefined ? 'false'
          : `($toMillis($states.context.State.EnteredTime) - $toMillis($states.input.retiredAmiImage.created)) >= ${age * 24 * 3600 * 1000}`;
      },
    });
    return sfn.Pass.jsonata(this.states.scope, 'RetiredAmiAge', {
      comment: 'Whether the retired AMI is older than the image lifecycle policy\'s deletion age, after which no lifecycle run reaches it',
      outputs: `{% $merge([$states.input, {"retiredAmiImage": $merge([$states.input.retiredAmiImage, {"pastDeletionAge": ${days}}])}]) %}`,
    });
  }

  private untag(id: string, key: string) {
    return this.states.call(id, 'ec2', 'deleteTags', {
      Resources: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.retiring.amiId')),
      Tags: [{ Key: key }],
    }, sfn.JsonPath.DISCARD);
  }
}
