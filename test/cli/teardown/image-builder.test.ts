import { randomUUID } from 'crypto';
import { ImageGroup } from '../../../src/cli/teardown/footprint';
import { bakeNamePattern, findImageBuilderLeftovers, recipeNamePattern } from '../../../src/cli/teardown/image-builder';
import { LeftoverKind } from '../../../src/cli/teardown/leftover';
import { FakeImageBuilder } from '../../helpers/fake-image-builder';
import { recipeStack } from '../../helpers/recipe-stack';
import { BUILD } from '../../helpers/teardown-accounts';

const GROUP = 'webpipeline-webimage-562b863c';
const RECIPE = `${GROUP}-5c337258f891`;
const OLD_RECIPE = `${GROUP}-0123456789ab`;
const ARN_PREFIX = `arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}`;

const group: ImageGroup = { application: 'web', name: GROUP, location: BUILD, amiLocations: [BUILD], amiIdParameters: [] };

function bake(recipe: string = RECIPE): string {
  return `${recipe}-${randomUUID()}`;
}

describe('findImageBuilderLeftovers', () => {
  test('given a recipe, then the names Image Builder gives its recipe and each bake\'s recipe version match the group\'s patterns', () => {
    const { recipe } = recipeStack();
    const recipeGroup = Object.values(recipe.imageTags)[0];

    expect(recipe.imageRecipeName).toMatch(recipeNamePattern(recipeGroup));
    // The bake names its recipe version and distribution configuration States.Format('<recipe name>-{}', States.UUID()).
    expect(bake(recipe.imageRecipeName)).toMatch(bakeNamePattern(recipeGroup));
    expect(recipe.imageRecipeName).not.toMatch(bakeNamePattern(recipeGroup));
  });

  test('given builds of the pipeline, of bakes and of an older recipe, in every state, then each build is found', async () => {
    const imageBuilder = new FakeImageBuilder(ARN_PREFIX);
    const bakeRecipe = bake();
    const expected = [
      imageBuilder.addImage(RECIPE, GROUP),
      imageBuilder.addImage(RECIPE, GROUP, 'DEPRECATED'),
      // The lifecycle policy deprecates an older recipe's images before it deletes them.
      imageBuilder.addImage(`${GROUP}-aaaaaaaaaaaa`, GROUP, 'DEPRECATED'),
      imageBuilder.addImage(bakeRecipe, bakeRecipe, 'FAILED'),
      imageBuilder.addImage(OLD_RECIPE, GROUP, 'DISABLED'),
    ];

    const found = await findImageBuilderLeftovers(imageBuilder, group);

    const images = found.filter((leftover) => leftover.kind === LeftoverKind.IMAGE_BUILDER_IMAGE);
    expect(images.map((leftover) => leftover.id).sort()).toEqual(expected.sort());
  });

  test('given a bake that could not clean up, then its recipe version and distribution configuration are found, and the recipe CloudFormation manages is not', async () => {
    const imageBuilder = new FakeImageBuilder(ARN_PREFIX);
    imageBuilder.addRecipe(RECIPE);
    imageBuilder.addDistribution(GROUP);
    const leftBehind = bake(OLD_RECIPE);
    const recipeArn = imageBuilder.addRecipe(leftBehind);
    const distributionArn = imageBuilder.addDistribution(leftBehind);

    const found = await findImageBuilderLeftovers(imageBuilder, group);

    expect(found.map((leftover) => [leftover.kind, leftover.id])).toEqual([
      [LeftoverKind.BUILD_RECIPE, recipeArn],
      [LeftoverKind.BUILD_DISTRIBUTION, distributionArn],
    ]);
  });

  test('given another recipe\'s images, recipes and configurations, even one whose group starts with this group\'s name, then none is found', async () => {
    const imageBuilder = new FakeImageBuilder(ARN_PREFIX);
    const other = `${GROUP}0-5c337258f891`;
    imageBuilder.addImage(other, other);
    imageBuilder.addImage(bake('apipipeline-apiimage-11111111-5c337258f891'), 'apipipeline-apiimage-11111111');

    expect(await findImageBuilderLeftovers(imageBuilder, group)).toEqual([]);
  });

  test('given a found image, then removing it deletes that build and nothing else', async () => {
    const imageBuilder = new FakeImageBuilder(ARN_PREFIX);
    const first = imageBuilder.addImage(RECIPE, GROUP);
    const second = imageBuilder.addImage(RECIPE, GROUP);
    const [image] = await findImageBuilderLeftovers(imageBuilder, group);

    await image.remove();

    expect(imageBuilder.deletions).toEqual([`DeleteImage ${first}`]);
    expect([...imageBuilder.images.keys()]).toEqual([second]);
  });
});
