import { aws_codepipeline as codepipeline } from 'aws-cdk-lib';

/**
 * A file of an artifact, located by its path in the artifact alone. The Step Functions action reads
 * `Input` as the path of a file in its input artifact (AWS's example: `assets/input.json`), but
 * aws-cdk-lib renders an `ArtifactPath` as `<artifact>::<path>`, the form of CloudFormation actions.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StepFunctions.html
 */
export class PathInArtifact extends codepipeline.ArtifactPath {
  public get location(): string {
    return this.fileName;
  }
}
