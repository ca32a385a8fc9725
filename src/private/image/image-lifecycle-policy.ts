import { Token, aws_iam as iam, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { imageBuilderName } from './image-builder-names';
import { ImageRetention } from '../../image-retention';
import { acknowledgeNagFinding } from '../nag/nag-acknowledgement';
import { IN_USE_TAG_KEY, IN_USE_TAG_VALUE } from '../shared/release-tags';

/**
 * Key of the tag that groups the Image Builder images of one `ApplicationImageRecipe` for its
 * lifecycle policy. The pipeline puts it on every image it builds (`imageTags`), and unlike the
 * recipe's name it stays the same when the recipe is replaced.
 */
export const IMAGE_GROUP_TAG_KEY = 'immutable-servers:image-group';

/** Most tags Image Builder accepts in a tag map. */
const MAX_TAGS = 50;

/** The AWS-managed policy that Image Builder documents for lifecycle execution roles. */
const LIFECYCLE_EXECUTION_POLICY = 'service-role/EC2ImageBuilderLifecycleExecutionPolicy';

/**
 * The image group tag of a scope, for the pipeline's `imageTags` and the policy's `selection`:
 * a value that is stable and unique per construct path.
 */
export function imageGroupTags(scope: Construct): Record<string, string> {
  return { [IMAGE_GROUP_TAG_KEY]: imageBuilderName(scope) };
}

export interface ImageLifecyclePolicyProps {
  /** What the policy retires, e.g. `Retires old web images`. 1 to 1024 characters. */
  readonly description: string;
  /**
   * The images it manages: those that carry any of these tags (Image Builder image resources, not
   * AMIs). Tags, not recipe names, because a recipe replaced under a new name would take its
   * images out of a selection by name, and they would never be retired. The pipeline's
   * `imageTags` put them on what it builds; a build started through the API gets them when the
   * caller passes them as the build's `tags`.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-rules.html#image-lifecycle-tags-selector-vs-exclusion
   */
  readonly imageTags: Record<string, string>;
  /** Which of them it keeps. */
  readonly retention: ImageRetention;
}

/**
 * An Image Builder lifecycle policy that retires AMI images beyond a retention rule, AMIs and
 * snapshots included, with the role it runs as. Images and AMIs tagged as in use by an
 * environment are never deprecated or deleted.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/manage-image-lifecycles.html
 */
export class ImageLifecyclePolicy extends Construct {
  /** ARN of the lifecycle policy. */
  public readonly lifecyclePolicyArn: string;
  /** The role Image Builder assumes to deprecate and delete images. */
  public readonly executionRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ImageLifecyclePolicyProps) {
    super(scope, id);
    validateDescription(props.description);
    validateImageTags(props.imageTags);

    // The role and policy that Image Builder's lifecycle prerequisites document. The policy's EC2
    // actions are conditioned on the `CreatedBy: EC2 Image Builder` tag that Image Builder puts on
    // the AMIs and snapshots it distributes, so the role cannot touch other images.
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
      description: 'Image Builder lifecycle policy: deprecates and deletes old images, AMIs and snapshots',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(LIFECYCLE_EXECUTION_POLICY)],
    });
    this.executionRole = role;
    acknowledgeNagFinding(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${LIFECYCLE_EXECUTION_POLICY}]`,
      'Image Builder documents EC2ImageBuilderLifecycleExecutionPolicy for lifecycle execution roles; it limits image and snapshot actions to resources tagged CreatedBy: EC2 Image Builder and follows the service as it changes');

    // Both levels. The AMI level checks each distributed AMI's own tags, which the release workflow
    // sets in the environment's account and region and removes once no environment runs the AMI:
    // it protects what environments run. It protects only the AMI, though: the image around a
    // skipped AMI can still be deleted (AWS's lifecycle sample says it is), which would leave that
    // AMI outside every later run. The image level keeps image and AMI together for images that
    // carry the tag; the release workflow cannot set it, as images live in the build account.
    const inUse = { [IN_USE_TAG_KEY]: IN_USE_TAG_VALUE };
    const policy = new imagebuilder.CfnLifecyclePolicy(this, 'Resource', {
      name: imageBuilderName(this),
      description: props.description,
      status: 'ENABLED',
      executionRole: role.roleArn,
      resourceType: 'AMI_IMAGE',
      resourceSelection: { tagMap: props.imageTags },
      policyDetails: props.retention._policyDetails({ tagMap: inUse, amis: { tagMap: inUse } }),
    });
    this.lifecyclePolicyArn = policy.attrArn;
  }
}

function validateDescription(description: string): void {
  if (!Token.isUnresolved(description) && (description.length < 1 || description.length > 1024)) {
    throw new Error(`Lifecycle policy description must be 1 to 1024 characters, got ${description.length}: '${description}'`);
  }
}

function validateImageTags(tags: Record<string, string>): void {
  const count = Object.keys(tags).length;
  if (count < 1 || count > MAX_TAGS) {
    throw new Error(`A lifecycle policy selects images by 1 to ${MAX_TAGS} tags, got ${count}`);
  }
}
