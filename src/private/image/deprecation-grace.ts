/** Days between an image's deprecation and its deletion, under an age rule (`ImageRetention.age`). */
export const DEPRECATION_GRACE_DAYS = 7;

/** The smallest retention age whose images outlive `days` days: deleted only a grace period after it. */
export function retentionAgeOutliving(days: number): number {
  return Math.max(1, Math.floor(days) + 1 - DEPRECATION_GRACE_DAYS);
}
