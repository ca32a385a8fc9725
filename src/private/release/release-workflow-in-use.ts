import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { NO_RELEASE } from './release-ledger';
import { ReleaseStates } from './release-workflow-states';
import { IN_USE_BY_TAG_PREFIX, IN_USE_TAG_KEY, IN_USE_TAG_VALUE, RELEASE_TAG_KEYS, inUseByTagKey } from '../shared/release-tags';

/**
 * What happened to the in-use tags of the AMI a release replaced, in the release's output as
 * `previousAmi.inUseTag`.
 */
export const PREVIOUS_AMI_OUTCOMES = {
  /** No environment's tag is left: the lifecycle policy may retire the AMI. */
  retired: 'REMOVED',
  /** Another environment in the account and region still runs it, and keeps it tagged. */
  inUseElsewhere: 'KEPT_IN_USE_ELSEWHERE',
  /** The release runs the same AMI. */
  sameAmi: 'KEPT_SAME_AMI',
  /** The ledger named no release before this one. */
  noPreviousRelease: 'NO_PREVIOUS_RELEASE',
  /** A tag call failed: `previousAmi.cause` says which and why. The release itself succeeded. */
  notRemoved: 'NOT_REMOVED',
} as const;

/** The tag keys a release puts on its AMI, the only ones its role may put on images. */
export function releaseTagKeys(stackName: string): string[] {
  return [IN_USE_TAG_KEY, inUseByTagKey(stackName), RELEASE_TAG_KEYS.version, RELEASE_TAG_KEYS.commitId, RELEASE_TAG_KEYS.commitMessage,
    RELEASE_TAG_KEYS.pipelineExecutionId];
}

/**
 * The states that keep AMIs' in-use tags true to the ledger: a successful release tags its AMI in
 * use by the environment, and takes the environment's tag off the AMI it replaced, with the shared
 * in-use tag once no environment's tag is left on it.
 */
export class InUseTagStates {
  private readonly environmentTagKey: string;

  constructor(private readonly states: ReleaseStates, private readonly environmentName: string) {
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
   * Takes this environment's in-use tag off the AMI the release replaced (`$.previous.amiId`), and
   * the shared in-use tag once no environment's tag is left, then records the outcome in
   * `$.previousAmi` and goes to `next`. Its id is `imageId`, so that `amiId` names one AMI only in
   * the output that release dashboards parse. A failure is recorded, not raised: the release succeeded,
   * and failing it would make the pipeline roll a good release back over a tag.
   */
  public retirePrevious(next: sfn.IChainable): sfn.IChainable {
    const scope = this.states.scope;
    const outcome = (id: string, inUseTag: string) => new sfn.Pass(scope, id, {
      parameters: { 'imageId.$': '$.previous.amiId', inUseTag },
      resultPath: '$.previousAmi',
    }).next(next);
    const notRemoved = new sfn.Pass(scope, 'PreviousAmiTagsNotRemoved', {
      parameters: {
        'imageId.$': '$.previous.amiId',
        'inUseTag': PREVIOUS_AMI_OUTCOMES.notRemoved,
        'cause': sfn.JsonPath.format(`Could not remove the in-use tags ${this.environmentTagKey} and ${IN_USE_TAG_KEY} from {}: {}. `
          + 'The image lifecycle policy keeps it until they are removed by hand.', sfn.JsonPath.stringAt('$.previous.amiId'), sfn.JsonPath.stringAt('$.error.Cause')),
      },
      resultPath: '$.previousAmi',
    }).next(next);
    const calls = [
      this.untag('UntagPreviousAmi', this.environmentTagKey),
      this.states.call('ReadPreviousAmiUsers', 'ec2', 'describeTags', {
        Filters: [
          { Name: 'resource-id', Values: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.previous.amiId')) },
          { Name: 'key', Values: [`${IN_USE_BY_TAG_PREFIX}*`] },
        ],
      }, '$.previousAmiUsers', { 'count.$': 'States.ArrayLength($.Tags)' }),
      this.untag('RetirePreviousAmi', IN_USE_TAG_KEY),
    ];
    calls.forEach((call) => call.addCatch(notRemoved, { errors: ['States.ALL'], resultPath: '$.error' }));
    const [untag, readUsers, retire] = calls;
    return new sfn.Choice(scope, 'PreviousAmiReplaced?')
      .when(sfn.Condition.stringEquals('$.previous.version', NO_RELEASE), outcome('NoPreviousAmi', PREVIOUS_AMI_OUTCOMES.noPreviousRelease))
      .when(sfn.Condition.stringEqualsJsonPath('$.previous.amiId', '$.amiId'), outcome('PreviousAmiIsReleased', PREVIOUS_AMI_OUTCOMES.sameAmi))
      .otherwise(untag.next(readUsers).next(new sfn.Choice(scope, 'PreviousAmiUsed?')
        .when(sfn.Condition.numberEquals('$.previousAmiUsers.count', 0), retire.next(outcome('PreviousAmiRetired', PREVIOUS_AMI_OUTCOMES.retired)))
        .otherwise(outcome('PreviousAmiUsedElsewhere', PREVIOUS_AMI_OUTCOMES.inUseElsewhere))));
  }

  private untag(id: string, key: string) {
    return this.states.call(id, 'ec2', 'deleteTags', {
      Resources: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.previous.amiId')),
      Tags: [{ Key: key }],
    }, sfn.JsonPath.DISCARD);
  }
}
