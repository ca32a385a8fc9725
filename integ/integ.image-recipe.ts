import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { ImageBuildStep } from '../src';
import { buildImageOnce, helloArtifact, helloRecipe } from './helpers/hello-image';

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

const artifact = helloArtifact(stack, 'HelloApp');
const recipe = helloRecipe(stack, 'HelloImage', artifact, {
  applicationName: 'hello',
  healthCheck: { port: 8080, path: '/index.html', timeout: Duration.minutes(1) },
  amiTags: { IntegTest: 'image-recipe' },
});
const image = buildImageOnce(stack, 'Image', recipe);

const secondArtifact = helloArtifact(stack, 'HelloAppV2', 'hello-app-v2.tar.gz');
const boundRecipe = helloRecipe(stack, 'BoundImage', artifact, {
  applicationName: 'bound',
  healthCheck: { port: 8080, path: '/v2.html', timeout: Duration.minutes(1) },
  buildSteps: [
    ImageBuildStep.bash('RecordBuildStep', ['mkdir -p /etc/bound', 'date -u > /etc/bound/build-step-ran']),
    ImageBuildStep.scriptAsset('RecordAssetStep', path.join(__dirname, 'fixtures', 'record-asset-step.sh')),
    ImageBuildStep.awsManagedComponent('aws-cli-version-2-linux'),
  ],
  patchOperatingSystem: false,
});
boundRecipe.addArtifactSource(secondArtifact.bucket, secondArtifact.s3ObjectKey);
// What a bake workflow does per build: a recipe of its own naming the build's artifact.
const boundRecipeVersion = new imagebuilder.CfnImageRecipe(stack, 'BoundRecipeVersion', {
  name: `${boundRecipe.imageRecipeName}-v2`,
  version: '1.0.0',
  parentImage: boundRecipe.baseImage.parentImage,
  components: boundRecipe.componentsForArtifact(secondArtifact.s3ObjectUrl),
});
const boundImage = buildImageOnce(stack, 'BoundImageBuild', boundRecipe, boundRecipeVersion.attrArn);

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
