import { createHash } from 'crypto';

/**
 * Key of the tag that marks an AMI as in use by some environment: the image lifecycle policy of
 * `ApplicationImageRecipe` never deprecates or deletes an AMI that carries it.
 *
 * The release workflow sets it, with the environment's own `inUseByTagKey`, on the AMI it released,
 * in the environment's account and region (each distributed copy is a separate AMI with its own
 * tags). When a later release replaces that AMI, the workflow removes the environment's tag, and
 * this one too once no environment's tag is left on the AMI: the lifecycle policy may then retire it.
 */
export const IN_USE_TAG_KEY = 'immutable-servers:in-use';

/**
 * Key of the tag that names the application of every AMI a recipe distributes, in every account
 * and region: a release may take in-use tags off, and deregister, only its own application's AMIs.
 */
export const APPLICATION_TAG_KEY = 'immutable-servers:application';

/** The prefix of the library's own tag keys, which users' tags may not use. */
export const LIBRARY_TAG_PREFIX = 'immutable-servers:';

/** Value of the in-use tag. Image Builder's exclusion rules match a tag's key and value. */
export const IN_USE_TAG_VALUE = 'true';

/** What every environment's in-use tag key starts with. */
export const IN_USE_BY_TAG_PREFIX = 'immutable-servers:in-use-by:';

/** EC2's longest tag key. */
const TAG_KEY_MAX_LENGTH = 128;

/**
 * Key of the tag that marks an AMI as in use by the environment of one stack, whose value is the
 * environment's name. Keyed by stack, as a stack name is unique in its account and region: two
 * environments there may run the same AMI, and each release removes only its own environment's tag.
 * A stack name too long for a tag key is shortened and made unique again by a hash of the whole.
 */
export function inUseByTagKey(stackName: string): string {
  const key = `${IN_USE_BY_TAG_PREFIX}${stackName}`;
  if (key.length <= TAG_KEY_MAX_LENGTH) {
    return key;
  }
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, 8);
  return `${key.slice(0, TAG_KEY_MAX_LENGTH - hash.length - 1)}-${hash}`;
}

/**
 * Tags that every instance and volume of an environment carries, naming the release it runs and
 * what it was built from: the content hash names the archive (`<hash>.tar.gz` in the bake's
 * archives bucket), the fingerprint the image, which every AMI copy carries too. The launch
 * template sets them from the ledger, so one release is one launch template version.
 */
export const RELEASE_TAG_KEYS = {
  version: 'immutable-servers:release-version',
  commitId: 'immutable-servers:commit-id',
  commitMessage: 'immutable-servers:commit-message',
  pipelineExecutionId: 'immutable-servers:pipeline-execution-id',
  contentHash: 'immutable-servers:artifact-content-hash',
  fingerprint: 'immutable-servers:fingerprint',
  environment: 'immutable-servers:environment',
} as const;
