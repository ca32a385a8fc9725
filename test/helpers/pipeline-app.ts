import { Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApplicationImageRecipe, ApplicationImageRecipeProps, PipelineBuild, PipelineSource } from '../../src';

export const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718';

/** The `web` recipe of a pipeline, in its stack. */
export function webRecipe(stack: Stack, props: Partial<ApplicationImageRecipeProps> = {}): ApplicationImageRecipe {
  return new ApplicationImageRecipe(stack, 'Image', {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
    startCommand: '/opt/web/bin/server',
    ...props,
  });
}

/** The `web` repository's main branch, through a connection. */
export function webSource(): PipelineSource {
  return PipelineSource.connection({ connectionArn: CONNECTION, owner: 'my-org', repository: 'web', branch: 'main' });
}

/** A build that leaves the application in `dist`. */
export function webBuild(): PipelineBuild {
  return PipelineBuild.commands({ commands: ['npm ci', 'npm run build'], applicationDirectory: 'dist' });
}
