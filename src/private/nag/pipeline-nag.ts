import { ArnFormat, Stack, aws_codebuild as codebuild, aws_codepipeline as codepipeline } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from './nag-acknowledgement';

/** What aws-cdk-lib grants every role that reads or writes a pipeline's artifacts (its `grantReadWrite`). */
const ARTIFACT_GRANT_ACTIONS = ['s3:DeleteObject*', 's3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** Acknowledges aws-cdk-lib's artifact grants to the roles under `scope`, which a pipeline's actions get. */
function acknowledgeArtifactGrants(scope: IConstruct): void {
  for (const action of ARTIFACT_GRANT_ACTIONS) {
    acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Action::${action}]`,
      'aws-cdk-lib grants a pipeline, its source action and build projects these actions on the pipeline\'s own artifact bucket and key');
  }
}

/**
 * Acknowledges, with reasons, the cdk-nag findings on CodeBuild projects the library runs in a
 * pipeline: the artifact grants of their roles, and their own log group and report groups.
 */
export function acknowledgeBuildProjectFindings(scope: IConstruct, projects: codebuild.IProject[]): void {
  acknowledgeArtifactGrants(scope);
  const stack = Stack.of(scope);
  for (const project of projects) {
    const logs = stack.formatArn({
      service: 'logs', resource: 'log-group', resourceName: `/aws/codebuild/${project.projectName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Resource::${nagResourceReference(scope, logs)}]`,
      'The build project writes the log streams of its own log group, as aws-cdk-lib grants it');
    const reports = stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${project.projectName}-*` });
    acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Resource::${nagResourceReference(scope, reports)}]`,
      'The build project writes its own report groups, as aws-cdk-lib grants it');
  }
}

/**
 * Acknowledges, with reasons, the cdk-nag findings on what aws-cdk-lib creates for a pipeline the
 * library owns: its roles' artifact grants, its artifact buckets' access logs, and the replication
 * buckets it adds in the regions of cross-region actions.
 */
export function acknowledgePipelineFindings(scope: IConstruct, pipeline: codepipeline.Pipeline): void {
  acknowledgeArtifactGrants(scope);
  const replicationBuckets = Object.values(pipeline.crossRegionSupport).map((support) => support.replicationBucket);
  for (const bucket of replicationBuckets) {
    acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Resource::${nagResourceReference(scope, `${bucket.bucketArn}/*`)}]`,
      'aws-cdk-lib grants the pipeline its artifact replication bucket in another region, for the actions there');
  }
  for (const bucket of [pipeline.artifactBucket, ...replicationBuckets]) {
    acknowledgeNagFinding(bucket, 'AwsSolutions-S1',
      'Holds pipeline artifacts that only the pipeline and its actions read; CloudTrail data events can log access');
  }
}
