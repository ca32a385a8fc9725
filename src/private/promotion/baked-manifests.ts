import type { aws_codepipeline as codepipeline } from 'aws-cdk-lib';
import type { BuildableRecipe } from '../image/buildable-recipe';

/**
 * The recipes (one per architecture) whose AMIs each bake's release manifest lists, so that a promotion reading the manifest
 * can check at synth time that every environment gets an AMI of its own.
 */
const recipesByManifest = new WeakMap<codepipeline.Artifact, BuildableRecipe[]>();

export function recordBakedManifest(manifest: codepipeline.Artifact, recipes: BuildableRecipe[]): void {
  recipesByManifest.set(manifest, recipes);
}

/** The recipes a bake built the manifest's AMIs with; undefined for a manifest some other action writes. */
export function bakedRecipesOf(manifest: codepipeline.Artifact): BuildableRecipe[] | undefined {
  return recipesByManifest.get(manifest);
}
