import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_imagebuilder as imagebuilder, aws_s3 as s3, aws_s3_assets as assets } from 'aws-cdk-lib';
import { ApplicationImageRecipe, ArtifactFormat, ImageBuildStep } from '../src';

/**
 * Bakes a static web page served by Python's http.server into AMIs, building two images during
 * the deploy. A real run asserts:
 * - the recipe's own artifact builds an AVAILABLE image whose AMI carries the tags;
 * - a recipe version bound to another artifact (`componentsForArtifact`) installs that artifact:
 *   its health check asks for a page only the second artifact has, so the build would fail if the
 *   recipe's own artifact were installed instead. The same recipe runs an inline bash step, an
 *   uploaded script and an AWS-managed component before the application.
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

const secondArtifact = new assets.Asset(stack, 'HelloAppV2', { path: path.join(__dirname, 'fixtures', 'hello-app-v2.tar.gz') });
const boundRecipe = new ApplicationImageRecipe(stack, 'BoundImage', {
  applicationName: 'bound',
  artifact: { bucket: artifact.bucket, key: artifact.s3ObjectKey, format: ArtifactFormat.TAR },
  startCommand: '/usr/bin/python3 -m http.server 8080 --directory /opt/bound',
  healthCheck: { port: 8080, path: '/v2.html', timeout: Duration.minutes(1) },
  buildSteps: [
    ImageBuildStep.bash('RecordBuildStep', ['mkdir -p /etc/bound', 'date -u > /etc/bound/build-step-ran']),
    ImageBuildStep.scriptAsset('RecordAssetStep', path.join(__dirname, 'fixtures', 'record-asset-step.sh')),
    ImageBuildStep.awsManagedComponent('aws-cli-version-2-linux'),
  ],
  patchOperatingSystem: false,
  buildLogRetention: Duration.days(1),
});
(boundRecipe.buildLogsBucket.node.defaultChild as s3.CfnBucket).applyRemovalPolicy(RemovalPolicy.DESTROY);
boundRecipe.addArtifactSource(secondArtifact.bucket, secondArtifact.s3ObjectKey);
// What a bake workflow does per build: a recipe of its own naming the build's artifact.
const boundRecipeVersion = new imagebuilder.CfnImageRecipe(stack, 'BoundRecipeVersion', {
  name: `${boundRecipe.imageRecipeName}-v2`,
  version: '1.0.0',
  parentImage: boundRecipe.baseImage.parentImage,
  components: boundRecipe.componentsForArtifact(secondArtifact.s3ObjectUrl),
});
const boundImage = new imagebuilder.CfnImage(stack, 'BoundImageBuild', {
  imageRecipeArn: boundRecipeVersion.attrArn,
  infrastructureConfigurationArn: boundRecipe.infrastructureConfigurationArn,
  distributionConfigurationArn: boundRecipe.distributionConfigurationArn,
  imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
  tags: boundRecipe.imageTags,
});

const integ = new IntegTest(app, 'ImageRecipeTest', { testCases: [stack] });
integ.assertions
  .awsApiCall('Imagebuilder', 'getImage', { imageBuildVersionArn: image.attrArn })
  .expect(ExpectedResult.objectLike({ image: { state: { status: 'AVAILABLE' } } }));
integ.assertions
  .awsApiCall('Imagebuilder', 'getImage', { imageBuildVersionArn: boundImage.attrArn })
  .expect(ExpectedResult.objectLike({ image: { state: { status: 'AVAILABLE' } } }));
// EC2 adds tags of its own (CreatedBy, Ec2ImageBuilderArn) in no set order, so the tags are
// asserted as filters: the AMI is found only if it carries both.
integ.assertions
  .awsApiCall('EC2', 'describeImages', {
    ImageIds: [image.attrImageId],
    Filters: [{ Name: 'tag:Application', Values: ['hello'] }, { Name: 'tag:IntegTest', Values: ['image-recipe'] }],
  })
  .expect(ExpectedResult.objectLike({ Images: [Match.objectLike({ ImageId: image.attrImageId })] }));

app.synth();
