import { Duration } from 'aws-cdk-lib';
import type { BuildableRecipe } from './buildable-recipe';

/**
 * How long after its build a recipe's image may still be released, as each promotion of its
 * images says (`EnvironmentPromotion`), read when the bake's definition is rendered: a bake reuses
 * only an image that its lifecycle policy keeps for that long still.
 */
const waitsByRecipe = new WeakMap<BuildableRecipe, Array<() => number | undefined>>();

/** A promotion releases the recipe's images up to `minutes()` after their build (undefined: unknown). */
export function expectReleasesWithin(recipe: BuildableRecipe, minutes: () => number | undefined): void {
  waitsByRecipe.set(recipe, [...waitsByRecipe.get(recipe) ?? [], minutes]);
}

/**
 * The oldest, in minutes, an image of the recipe may be for a bake to reuse it: its deletion age
 * less the longest wait of a promotion. Undefined when the recipe keeps images by count, or no
 * promotion's wait is known.
 */
export function reuseHorizonMinutes(recipe: BuildableRecipe): number | undefined {
  const deletionAgeDays = recipe._amiDeletionAgeDays;
  const waits = (waitsByRecipe.get(recipe) ?? []).map((wait) => wait()).filter((wait): wait is number => wait !== undefined);
  if (deletionAgeDays === undefined || waits.length === 0) return undefined;
  return Math.max(0, Duration.days(deletionAgeDays).toMinutes() - Math.max(...waits));
}
