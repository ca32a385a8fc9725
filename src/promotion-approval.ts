import { Duration, aws_sns as sns } from 'aws-cdk-lib';

/**
 * A manual approval before a release into an environment.
 */
export interface ManualApprovalOptions {
  /**
   * Topic told that the approval waits, with the release's summary. It must be in the pipeline's
   * region: CodePipeline publishes to it from there.
   *
   * @default - no notification
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-configure-sns.html
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * How long the approval waits before it fails the promotion: 5 minutes to 60 days.
   *
   * @default Duration.days(7)
   */
  readonly timeout?: Duration;
}

/**
 * Whether a person approves a release into an environment before it starts.
 *
 * @example
 * declare const approvers: sns.ITopic;
 * const approval = PromotionApproval.manual({ notificationTopic: approvers });
 */
export class PromotionApproval {
  /** The release starts as soon as the previous environment has soaked. */
  public static none(): PromotionApproval {
    return new PromotionApproval();
  }

  /**
   * A CodePipeline manual approval. Its summary names the version, commit and AMI, and links the
   * previous environment, so the approver can look at what they are promoting.
   */
  public static manual(options: ManualApprovalOptions = {}): PromotionApproval {
    return new PromotionApproval(options);
  }

  /**
   * @param manualApproval the approval's options, or undefined for none
   */
  private constructor(
    /**
     * The manual approval's options.
     *
     * @default - no approval
     */
    public readonly manualApproval?: ManualApprovalOptions,
  ) {}
}
