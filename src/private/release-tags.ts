/**
 * Key of the tag that marks an AMI as in use by an environment.
 *
 * The promotion workflow tags every AMI that a release ledger names with it, in the ledger's own
 * account and region (each distributed copy is a separate AMI with its own tags), and removes it
 * once no ledger names the AMI. It also tags the AMI's Image Builder image (whose ARN the AMI
 * carries in its `Ec2ImageBuilderArn` tag), so that the image and its AMI are kept together.
 * The lifecycle policy of `ApplicationImageRecipe` never deprecates or deletes what carries it.
 */
export const IN_USE_TAG_KEY = 'immutable-servers:in-use';

/** Value of the in-use tag. Image Builder's exclusion rules match a tag's key and value. */
export const IN_USE_TAG_VALUE = 'true';

/**
 * Tags that every instance and volume of an environment carries, naming the release it runs. The
 * launch template sets them from the ledger, so one release is one launch template version.
 */
export const RELEASE_TAG_KEYS = {
  version: 'immutable-servers:release-version',
  commitId: 'immutable-servers:commit-id',
  commitMessage: 'immutable-servers:commit-message',
  pipelineExecutionId: 'immutable-servers:pipeline-execution-id',
  environment: 'immutable-servers:environment',
} as const;
