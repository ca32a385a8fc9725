import { Duration, Token, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { DEPRECATION_GRACE_DAYS } from './private/image/deprecation-grace';

type ExclusionRules = imagebuilder.CfnLifecyclePolicy.ExclusionRulesProperty;
type PolicyDetail = imagebuilder.CfnLifecyclePolicy.PolicyDetailProperty;

/** Largest filter value Image Builder accepts, for counts and for ages alike. */
const MAX_FILTER_VALUE = 1000;

/** Largest age whose deletion threshold (age plus the grace) still fits Image Builder's limit in days. */
const MAX_AGE_DAYS = MAX_FILTER_VALUE - DEPRECATION_GRACE_DAYS;

/**
 * Which old images of an application to keep. Image Builder's lifecycle policy retires the others
 * once a day, AMIs and snapshots included, and never touches an AMI that the promotion workflow
 * has tagged as in use by an environment.
 *
 * Image Builder counts and ages its own image resources (one per build), not AMIs; images of
 * failed or canceled builds are always deleted.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-rules.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/lifecycle-policy-execution.html
 */
export class ImageRetention {
  /**
   * Keep the newest `count` images; delete older ones with their AMIs and snapshots.
   *
   * Image Builder counts per recipe version: each version of the recipe keeps its own newest
   * `count` images. Every change to the recipe makes a new version, and so does every recipe
   * made per build with `componentsForArtifact`, so a count bounds the scheduled rebuilds of one
   * recipe version; `age` bounds all images. Images beyond the count are deleted without being deprecated first, because
   * Image Builder's deprecation rules take an age only.
   *
   * @param count images to keep, 1 to 1000
   * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_LifecyclePolicyDetailFilter.html
   */
  public static count(count: number): ImageRetention {
    if (!Token.isUnresolved(count)) {
      if (!Number.isInteger(count)) {
        throw new Error(`Image retention count must be a whole number, got ${count}`);
      }
      if (count < 1) {
        throw new Error(`Image retention count must be at least 1, got ${count}`);
      }
      if (count > MAX_FILTER_VALUE) {
        throw new Error(`Image retention count must be at most ${MAX_FILTER_VALUE} (Image Builder's limit), got ${count}`);
      }
    }
    // A single rule: deprecate and disable rules only take an AGE filter (the console offers an age
    // only for them, and an execution checks only an age for them), so "beyond the newest N"
    // cannot be deprecated first.
    return new ImageRetention((exclusionRules) => [
      deleteRule({ type: 'COUNT', value: count }, exclusionRules),
    ], undefined);
  }

  /**
   * Keep images younger than `age`. Older ones are deprecated (hidden from image searches, still
   * launchable by id), then deleted with their AMIs and snapshots 7 days later.
   *
   * An age from a token is used as is, and then the deletion follows in the next daily run after
   * the deprecation instead of 7 days later.
   *
   * @param age a whole number of days, from 1 day to 993 days
   * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_LifecyclePolicyDetailFilter.html
   */
  public static age(age: Duration): ImageRetention {
    const days = age.toDays({ integral: false });
    if (!Token.isUnresolved(days)) {
      if (!Number.isInteger(days)) {
        throw new Error(`Image retention age must be a whole number of days, got ${age.toHumanString()}`);
      }
      if (days < 1) {
        throw new Error(`Image retention age must be at least 1 day, got ${age.toHumanString()}`);
      }
      if (days > MAX_AGE_DAYS) {
        throw new Error(`Image retention age must be at most ${MAX_AGE_DAYS} days (deletion follows ${DEPRECATION_GRACE_DAYS} days later, and Image Builder counts at most ${MAX_FILTER_VALUE} days), got ${age.toHumanString()}`);
      }
    }
    // Deprecate beyond the rule, delete a grace period later. The deprecation is the warning:
    // for a week an operator sees the AMI marked `DeprecatedBy: EC2 Image Builder` and can still
    // launch or pin it before it is gone. Image Builder evaluates deprecate before delete and
    // applies one action per image per run, so even equal thresholds would never delete an image
    // that was not deprecated in an earlier run; the grace makes the warning worth having. No
    // `retainAtLeast`: it counts per recipe version, so it would keep one image of every recipe
    // version forever; AMIs that environments run are protected by the in-use tag instead.
    const deleteAfter = Token.isUnresolved(days) ? days : days + DEPRECATION_GRACE_DAYS;
    return new ImageRetention((exclusionRules) => [
      {
        action: { type: 'DEPRECATE', includeResources: { amis: true } },
        filter: { type: 'AGE', value: days, unit: 'DAYS' },
        exclusionRules,
      },
      deleteRule({ type: 'AGE', value: deleteAfter, unit: 'DAYS' }, exclusionRules),
    ], Token.isUnresolved(deleteAfter) ? undefined : deleteAfter);
  }

  private constructor(
    private readonly rules: (exclusionRules: ExclusionRules) => PolicyDetail[],
    private readonly deletionAgeDays: number | undefined,
  ) {}

  /**
   * The age in days at which the policy deletes an image, when the rule is an age with a known
   * value: AMIs older than that, which an exclusion kept while their image went, no run reaches again.
   *
   * @internal
   */
  public get _deletionAgeDays(): number | undefined {
    return this.deletionAgeDays;
  }

  /**
   * The lifecycle policy rules of this retention, each with the given exclusions.
   *
   * @internal
   */
  public _policyDetails(exclusionRules: ExclusionRules): PolicyDetail[] {
    return this.rules(exclusionRules);
  }
}

function deleteRule(filter: imagebuilder.CfnLifecyclePolicy.FilterProperty, exclusionRules: ExclusionRules): PolicyDetail {
  // Without amis and snapshots, a delete removes only Image Builder's record of the image and
  // leaves the AMI and its snapshots billing.
  return { action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } }, filter, exclusionRules };
}
