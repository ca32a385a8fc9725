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
