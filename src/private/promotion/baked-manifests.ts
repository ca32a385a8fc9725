import type { aws_codepipeline as codepipeline } from 'aws-cdk-lib';
import type { BuildableRecipe } from '../image/buildable-recipe';

/** What a promotion knows of a release manifest that a bake wrote. */
export interface BakedManifest {
  /** The recipes (one per architecture) whose AMIs the manifest lists. */
  readonly recipes: BuildableRecipe[];
  /** The CodePipeline variable that holds the manifest's `findingsSummary`, e.g. `#{Bake-Manifest.IMAGE_FINDINGS}`. */
  readonly findingsSummaryVariable: string;
}

/**
 * Each bake's release manifest, so that a promotion reading it can check at synth time that every
 * environment gets an AMI of its own, and tell approvers what the images' scans found.
 */
const bakedManifests = new WeakMap<codepipeline.Artifact, BakedManifest>();

export function recordBakedManifest(manifest: codepipeline.Artifact, baked: BakedManifest): void {
  bakedManifests.set(manifest, baked);
}

/** What the bake that wrote the manifest recorded; undefined for a manifest some other action writes. */
export function bakedManifestOf(manifest: codepipeline.Artifact): BakedManifest | undefined {
  return bakedManifests.get(manifest);
}
