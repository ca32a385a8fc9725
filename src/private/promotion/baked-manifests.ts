import type { aws_codepipeline as codepipeline } from 'aws-cdk-lib';
import type { ApplicationImageRecipe } from '../../application-image-recipe';

/**
 * The recipe whose AMIs each bake's release manifest lists, so that a promotion reading the manifest
 * can check at synth time that every environment gets an AMI of its own.
 */
const recipesByManifest = new WeakMap<codepipeline.Artifact, ApplicationImageRecipe>();

export function recordBakedManifest(manifest: codepipeline.Artifact, recipe: ApplicationImageRecipe): void {
  recipesByManifest.set(manifest, recipe);
}

/** The recipe a bake built the manifest's AMIs with; undefined for a manifest some other action writes. */
export function bakedRecipeOf(manifest: codepipeline.Artifact): ApplicationImageRecipe | undefined {
  return recipesByManifest.get(manifest);
}
