import {
  DeleteDistributionConfigurationCommand, DeleteImageCommand, DeleteImageRecipeCommand, ImagebuilderClient,
  paginateListDistributionConfigurations, paginateListImageBuildVersions, paginateListImageRecipes, paginateListImages,
} from '@aws-sdk/client-imagebuilder';
import { ImageGroup } from './footprint';
import { Leftover, LeftoverKind } from './leftover';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * Names of the recipes of a group, and so of their images: `<group>-<content hash>` for the recipe
 * CloudFormation manages (`ApplicationImageRecipe` names it after its content), and
 * `<group>-<content hash>-<uuid>` for the recipe version each bake makes for its artifact.
 */
export function recipeNamePattern(group: string): RegExp {
  return new RegExp(`^${escapeRegExp(group)}-[0-9a-f]{12}(-${UUID})?$`);
}

/** Names of what one bake makes for itself: its recipe version and its distribution configuration. */
export function bakeNamePattern(group: string): RegExp {
  return new RegExp(`^${escapeRegExp(group)}-[0-9a-f]{12}-${UUID}$`);
}

/**
 * What Image Builder keeps of a recipe's builds outside CloudFormation, in the recipe's account and
 * region: every build of its images (failed, deprecated or disabled ones too), and what a bake
 * that could not clean up after itself left: its recipe version and distribution configuration.
 * Deleting an image leaves its AMIs, which are found by their tag.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_DeleteImage.html
 */
export async function findImageBuilderLeftovers(imageBuilder: ImagebuilderClient, group: ImageGroup): Promise<Leftover[]> {
  const location = group.location;
  const images = recipeNamePattern(group.name);
  const bakes = bakeNamePattern(group.name);
  const leftover = (kind: LeftoverKind, id: string, foundBy: string, remove: () => Promise<unknown>, detail?: string): Leftover =>
    ({ kind, location, id, foundBy, detail, remove: async () => { await remove(); } });
  const found: Leftover[] = [];

  // includeDeprecated: the lifecycle policy deprecates images before it deletes them. The SDK's
  // model says the flag "Includes deprecated images in the response list"; the API reference says
  // deprecated images the account owns are returned anyway. Asking costs nothing under either.
  // https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ListImages.html
  for await (const page of paginateListImages({ client: imageBuilder }, { owner: 'Self', includeDeprecated: true })) {
    for (const version of (page.imageVersionList ?? []).filter((candidate) => images.test(candidate.name!))) {
      for await (const builds of paginateListImageBuildVersions({ client: imageBuilder }, { imageVersionArn: version.arn })) {
        for (const build of builds.imageSummaryList ?? []) {
          found.push(leftover(LeftoverKind.IMAGE_BUILDER_IMAGE, build.arn!, `name ${group.name}-<recipe hash>[-<bake>]`,
            () => imageBuilder.send(new DeleteImageCommand({ imageBuildVersionArn: build.arn })), build.state?.status));
        }
      }
    }
  }
  for await (const page of paginateListImageRecipes({ client: imageBuilder }, { owner: 'Self' })) {
    for (const recipe of (page.imageRecipeSummaryList ?? []).filter((candidate) => bakes.test(candidate.name!))) {
      found.push(leftover(LeftoverKind.BUILD_RECIPE, recipe.arn!, `name ${group.name}-<recipe hash>-<bake>`,
        () => imageBuilder.send(new DeleteImageRecipeCommand({ imageRecipeArn: recipe.arn }))));
    }
  }
  for await (const page of paginateListDistributionConfigurations({ client: imageBuilder }, {})) {
    for (const distribution of (page.distributionConfigurationSummaryList ?? []).filter((candidate) => bakes.test(candidate.name!))) {
      found.push(leftover(LeftoverKind.BUILD_DISTRIBUTION, distribution.arn!, `name ${group.name}-<recipe hash>-<bake>`,
        () => imageBuilder.send(new DeleteDistributionConfigurationCommand({ distributionConfigurationArn: distribution.arn }))));
    }
  }
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
