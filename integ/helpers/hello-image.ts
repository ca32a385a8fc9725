import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack, StackProps, aws_imagebuilder as imagebuilder, aws_s3 as s3, aws_s3_assets as assets } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApplicationImageRecipe, ApplicationImageRecipeProps, ArtifactFormat } from '../../src';

/** A deterministic tarball of static pages from integ/fixtures, as an S3 asset. */
export function helloArtifact(scope: Construct, id: string, fixture: string = 'hello-app.tar.gz'): assets.Asset {
  return new assets.Asset(scope, id, { path: path.join(__dirname, '..', 'fixtures', fixture) });
}

/**
 * A recipe that serves an artifact's pages with Python's http.server on port 8080, from
 * `/opt/<applicationName>`; its build logs go when the test's stack is deleted.
 */
export function helloRecipe(
  scope: Construct, id: string, artifact: assets.Asset, props: Partial<ApplicationImageRecipeProps> & { applicationName: string },
): ApplicationImageRecipe {
  const recipe = new ApplicationImageRecipe(scope, id, {
    artifact: { bucket: artifact.bucket, key: artifact.s3ObjectKey, format: ArtifactFormat.TAR },
    // The trailing slash: the deployments count the process by its command line matching `/opt/<name>/`.
    startCommand: `/usr/bin/python3 -m http.server 8080 --directory /opt/${props.applicationName}/`,
    buildLogRetention: Duration.days(1),
    ...props,
  });
  (recipe.buildLogsBucket.node.defaultChild as s3.CfnBucket).applyRemovalPolicy(RemovalPolicy.DESTROY);
  return recipe;
}

/**
 * An image that builds once, during the deploy, from a recipe's configurations (or another recipe
 * version of it), tagged so that the recipe's lifecycle policy manages it.
 */
export function buildImageOnce(
  scope: Construct, id: string, recipe: ApplicationImageRecipe, imageRecipeArn: string = recipe.imageRecipeArn,
): imagebuilder.CfnImage {
  return new imagebuilder.CfnImage(scope, id, {
    imageRecipeArn,
    infrastructureConfigurationArn: recipe.infrastructureConfigurationArn,
    distributionConfigurationArn: recipe.distributionConfigurationArn,
    imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
    tags: recipe.imageTags,
  });
}

/** A stack with the hello recipe (served on port 8080, checked at /index.html) and an image built from it once. */
export function helloImageStack(app: App, id: string, props: StackProps): { stack: Stack; image: imagebuilder.CfnImage } {
  const stack = new Stack(app, id, props);
  const recipe = helloRecipe(stack, 'HelloImage', helloArtifact(stack, 'HelloApp'), {
    applicationName: 'hello',
    healthCheck: { port: 8080, path: '/index.html' },
  });
  return { stack, image: buildImageOnce(stack, 'Image', recipe) };
}
