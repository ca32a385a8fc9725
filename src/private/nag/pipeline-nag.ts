import { ArnFormat, Stack, aws_codebuild as codebuild, aws_codepipeline as codepipeline } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from './nag-acknowledgement';

/** What aws-cdk-lib grants every role that reads or writes a pipeline's artifacts (its `grantReadWrite`). */
const ARTIFACT_GRANT_ACTIONS = ['s3:DeleteObject*', 's3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/**
 * Acknowledges aws-cdk-lib's grants on the pipeline's artifact bucket and key to the roles under
 * `scope`, which a pipeline's actions get: its role, its source action's, its build projects'.
 */
export function acknowledgePipelineArtifactGrants(scope: IConstruct, pipeline: codepipeline.Pipeline): void {
  const reason = 'aws-cdk-lib grants a pipeline, its source action and build projects these actions on the pipeline\'s own artifact bucket and key';
  for (const action of ARTIFACT_GRANT_ACTIONS) {
    acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Action::${action}]`, reason);
  }
  acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Resource::${nagResourceReference(scope, pipeline.artifactBucket.arnForObjects('*'))}]`, reason);
}

/**
 * Acknowledges, with reasons, the cdk-nag findings on CodeBuild projects the library runs in a
 * pipeline: their own log group and report groups (the artifact grants come with the pipeline).
 */
export function acknowledgeBuildProjectFindings(scope: IConstruct, projects: codebuild.IProject[]): void {
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
  acknowledgePipelineArtifactGrants(scope, pipeline);
  const replicationBuckets = Object.values(pipeline.crossRegionSupport).map((support) => support.replicationBucket);
  for (const bucket of replicationBuckets) {
    acknowledgeNagFinding(scope, `AwsSolutions-IAM5[Resource::${nagResourceReference(scope, `${bucket.bucketArn}/*`)}]`,
      'aws-cdk-lib grants the pipeline its artifact replication bucket in another region, for the actions there');
  }
  if (replicationBuckets.length > 0) {
    acknowledgeNagFinding(pipeline.role, 'AwsSolutions-IAM5[Resource::*]',
      'aws-cdk-lib grants the pipeline\'s role the KMS actions on * for the keys of its artifact replication buckets in other regions, '
      + 'which the pipeline\'s stack cannot name by ARN; each key\'s own policy decides who may use it');
  }
  for (const bucket of [pipeline.artifactBucket, ...replicationBuckets]) {
    acknowledgeNagFinding(bucket, 'AwsSolutions-S1',
      'Holds pipeline artifacts that only the pipeline and its actions read; CloudTrail data events can log access');
  }
}
