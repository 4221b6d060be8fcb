import { z } from "zod";

/**
 * A rotation's overlap: the credential it replaces keeps working this long after the new one
 * exists, so a workload still holding the old one has time to take the new one (issue 20).
 */

export const DEFAULT_OVERLAP_HOURS = 24;
export const MAX_OVERLAP_HOURS = 720;

/** `rotationOverlapHours`: 0 (revoke at once) to 720 hours; absent means the default. */
export const overlapHours = z
  .number({ error: "must be a number of hours" })
  .min(0, "must be 0 (revoke at once) or more hours")
  .max(MAX_OVERLAP_HOURS, `must be at most ${MAX_OVERLAP_HOURS} hours (30 days)`)
  .optional();

/** When the replaced credential stops working, or undefined when it is revoked at once. */
export function overlapEnd(hours: number | undefined, now = Date.now()): string | undefined {
  const h = hours ?? DEFAULT_OVERLAP_HOURS;
  return h > 0 ? new Date(now + h * 3_600_000).toISOString() : undefined;
}
