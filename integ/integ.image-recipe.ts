import * as path from 'path';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_imagebuilder as imagebuilder, aws_s3 as s3, aws_s3_assets as assets } from 'aws-cdk-lib';
import { ApplicationImageRecipe, ArtifactFormat } from '../src';

/**
 * Bakes a static web page served by Python's http.server into an AMI, building one image during
 * the deploy; a real run asserts the image became AVAILABLE and its AMI carries the tags.
 */
const app = new App();
const stack = new Stack(app, 'ImageRecipeInteg');

const artifact = new assets.Asset(stack, 'HelloApp', { path: path.join(__dirname, 'fixtures', 'hello-app.tar.gz') });
const recipe = new ApplicationImageRecipe(stack, 'HelloImage', {
  applicationName: 'hello',
  artifact: { bucket: artifact.bucket, key: artifact.s3ObjectKey, format: ArtifactFormat.TAR },
  startCommand: '/usr/bin/python3 -m http.server 8080 --directory /opt/hello',
  healthCheck: { port: 8080, path: '/index.html', timeout: Duration.minutes(1) },
  amiTags: { IntegTest: 'image-recipe' },
  buildLogRetention: Duration.days(1),
});
(recipe.buildLogsBucket.node.defaultChild as s3.CfnBucket).applyRemovalPolicy(RemovalPolicy.DESTROY);

// An image resource builds once, during the deploy, from the recipe's own configurations.
const image = new imagebuilder.CfnImage(stack, 'Image', {
  imageRecipeArn: recipe.imageRecipeArn,
  infrastructureConfigurationArn: recipe.infrastructureConfigurationArn,
  distributionConfigurationArn: recipe.distributionConfigurationArn,
  imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
});

const integ = new IntegTest(app, 'ImageRecipeTest', { testCases: [stack] });
integ.assertions
  .awsApiCall('Imagebuilder', 'getImage', { imageBuildVersionArn: image.attrArn })
  .expect(ExpectedResult.objectLike({ image: { state: { status: 'AVAILABLE' } } }));
integ.assertions
  .awsApiCall('EC2', 'describeImages', { ImageIds: [image.attrImageId] })
  .expect(ExpectedResult.objectLike({
    Images: [{ Tags: [{ Key: 'Application', Value: 'hello' }, { Key: 'IntegTest', Value: 'image-recipe' }] }],
  }));

app.synth();
