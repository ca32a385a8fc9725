/** The name of the package step's action in the bake stage; its `CONTENT_HASH` variable is the artifact's content hash. */
export const PACKAGE_ACTION_NAME = 'Package';

/** The file the package step writes for the bake: the input of `BakeWorkflow`. */
export const BAKE_INPUT_FILE = 'bake.json';

/**
 * The environment variables the package script reads. CodeBuild sets them from the pipeline's
 * variables and the project's configuration; values reach the bake input through JSON encoding,
 * never spliced into it, so a commit message with quotes stays a string.
 */
export const PACKAGE_VARIABLES = {
  applicationDirectory: 'APPLICATION_DIRECTORY',
  artifactBucket: 'ARTIFACT_BUCKET',
  artifactPrefix: 'ARTIFACT_PREFIX',
  version: 'RELEASE_VERSION',
  commitId: 'COMMIT_ID',
  commitMessage: 'COMMIT_MESSAGE',
  pipelineExecutionId: 'PIPELINE_EXECUTION_ID',
} as const;

/**
 * A bash script that packages the build's application files for the bake:
 *
 * 1. The content hash: SHA-256 over each file's path, mode and content, and each symlink's target,
 *    in a fixed order. Timestamps, owners and the archive's own bytes do not count, so rebuilding
 *    the same commit (or another commit that leaves the files unchanged) gives the same hash, and
 *    the bake reuses its image.
 * 2. A tar.gz of the files, uploaded under `<prefix>/<hash>.tar.gz`: one key per content, which
 *    two close builds of different content cannot share.
 * 3. `bake.json` with the artifact's S3 URI, the hash and the release's provenance, and the hash
 *    as the exported variable `CONTENT_HASH`.
 */
export function packageArtifactScript(): string {
  const v = PACKAGE_VARIABLES;
  return `#!/bin/bash
set -euo pipefail
directory="\${${v.applicationDirectory}}"
if [ ! -d "$directory" ] || [ -z "$(find "$directory" \\( -type f -o -type l \\) -print -quit)" ]; then
  echo "No application files in '$directory': the build must write the files to install there." >&2
  exit 1
fi
content_hash="$(
  cd "$directory"
  {
    find . -type f -printf '%m %p\\n' | LC_ALL=C sort
    find . -type l -printf '%p -> %l\\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d ' ' -f 1
)"
archive="$(mktemp -d)/application.tar.gz"
tar -C "$directory" -czf "$archive" .
artifact="s3://\${${v.artifactBucket}}/\${${v.artifactPrefix}}/\${content_hash}.tar.gz"
aws s3 cp --only-show-errors "$archive" "$artifact"
export ARTIFACT="$artifact" CONTENT_HASH="$content_hash"
python3 -c '
import json, os
json.dump({
    "artifact": os.environ["ARTIFACT"],
    "contentHash": os.environ["CONTENT_HASH"],
    "version": os.environ["${v.version}"],
    "commitId": os.environ["${v.commitId}"],
    "commitMessage": os.environ["${v.commitMessage}"],
    "pipelineExecutionId": os.environ["${v.pipelineExecutionId}"],
}, open("${BAKE_INPUT_FILE}", "w"))
'
echo "Packaged $artifact (content hash $content_hash)"
`;
}
