import { ArnFormat, Stack, aws_codebuild as codebuild, aws_codepipeline as codepipeline, aws_s3 as s3 } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from './nag-acknowledgement';

/** What aws-cdk-lib grants every role that reads or writes a pipeline's artifacts (its `grantReadWrite`). */
const ARTIFACT_GRANT_ACTIONS = ['s3:DeleteObject*', 's3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/**
 * Acknowledges, with reasons, the cdk-nag findings on what aws-cdk-lib creates for a pipeline the
 * library owns: the artifact grants of its roles, the log group and report groups of its CodeBuild
 * projects, and its buckets' access logs.
 */
export function acknowledgePipelineFindings(scope: IConstruct, options: {
  pipeline: codepipeline.Pipeline; projects: codebuild.IProject[]; buckets: s3.IBucket[];
}): void {
  const acknowledge = (finding: string, reason: string) => acknowledgeNagFinding(scope, finding, reason);
  for (const action of ARTIFACT_GRANT_ACTIONS) {
    acknowledge(`AwsSolutions-IAM5[Action::${action}]`,
      'aws-cdk-lib grants the pipeline, its source action and build projects these actions on the pipeline\'s own artifact bucket and key');
  }
  const stack = Stack.of(scope);
  for (const project of options.projects) {
    const logs = stack.formatArn({
      service: 'logs', resource: 'log-group', resourceName: `/aws/codebuild/${project.projectName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    acknowledge(`AwsSolutions-IAM5[Resource::${nagResourceReference(scope, logs)}]`, 'The build project writes the log streams of its own log group, as aws-cdk-lib grants it');
    const reports = stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${project.projectName}-*` });
    acknowledge(`AwsSolutions-IAM5[Resource::${nagResourceReference(scope, reports)}]`, 'The build project writes its own report groups, as aws-cdk-lib grants it');
  }
  // The artifact buckets aws-cdk-lib adds in the regions of cross-region actions.
  const replicationBuckets = Object.values(options.pipeline.crossRegionSupport).map((support) => support.replicationBucket);
  for (const bucket of replicationBuckets) {
    acknowledge(`AwsSolutions-IAM5[Resource::${nagResourceReference(scope, `${bucket.bucketArn}/*`)}]`,
      'aws-cdk-lib grants the pipeline its artifact replication bucket in another region, for the actions there');
  }
  for (const bucket of [options.pipeline.artifactBucket, ...replicationBuckets, ...options.buckets]) {
    acknowledgeNagFinding(bucket, 'AwsSolutions-S1',
      'Holds pipeline artifacts and application archives that only the pipeline, its builds and image builds read; CloudTrail data events can log access');
  }
}
