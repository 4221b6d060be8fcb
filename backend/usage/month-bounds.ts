/**
 * What one organization's calendar month can hold. A view row sums up to 13 calendar months of an
 * organization (366 days of daily buckets): money as 64-bit SQL integers (SQLite's sum() fails
 * past 2^63 − 1; the wire's USD strings have no limit), tokens and requests as JSON numbers, exact
 * for clients only up to 2^53 − 1. So a month holds at most a thirteenth of each, rounded down to
 * a round number; a batch that would pass it is refused whole (400), never a view that fails later.
 * One batch alone never can: 1,000 events at the price loader's maximum are 2 × 10^17 micro-USD.
 */
export const MONTH_BOUNDS = {
  /** 500 billion USD. */
  cost_micros: 500_000_000_000n * 1_000_000n,
  input_tokens: 500_000_000_000_000n,
  output_tokens: 500_000_000_000_000n,
  requests: 500_000_000_000_000n,
} as const;

export type BoundedColumn = keyof typeof MONTH_BOUNDS;

/** The CHECK constraint of migration 005 that keeps `column` of `usage_org_monthly` within its bound. */
export const boundConstraint = (column: BoundedColumn) => `usage_org_monthly_${column}`;

/** What a refusal calls each bound. */
export const BOUND_NAMES: Record<BoundedColumn, string> = {
  cost_micros: "USD",
  input_tokens: "input tokens",
  output_tokens: "output tokens",
  requests: "requests",
};
