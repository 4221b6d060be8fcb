/**
 * Money is integer micro-USD (1 USD = 1,000,000) everywhere inside tenancy: sums of integers are
 * exact, so a usage total, a cost total and an invoice total can never drift apart by rounding.
 * Only the wire shows USD, as a decimal string with six places.
 */
export const MICROS_PER_USD = 1_000_000;

const DECIMAL = /^(\d{1,12})(?:\.(\d{1,6}))?$/;

/** "2.5" or 2.5 → 2_500_000; undefined when the value is not a non-negative amount with ≤ 6 decimals. */
export function parseUsd(value: string | number): number | undefined {
  // A JS number prints its shortest exact decimal ("0.15"), so parsing that string never
  // picks up binary floating-point noise.
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * MICROS_PER_USD + Number((m[2] ?? "").padEnd(6, "0"));
}

/** 12_345_678 → "12.345678"; exact at any size as a BigInt (sums), or as a whole number. */
export function formatUsd(micros: bigint | number): string {
  if (typeof micros === "number" && !Number.isInteger(micros)) throw new Error(`money must be whole micro-USD, got ${micros}`);
  const n = BigInt(micros);
  const abs = n < 0n ? -n : n;
  const perUsd = BigInt(MICROS_PER_USD);
  return `${n < 0n ? "-" : ""}${abs / perUsd}.${String(abs % perUsd).padStart(6, "0")}`;
}

/**
 * The cost of one event in micro-USD, rounded half up once per event: prices are micro-USD per
 * million tokens, so the exact cost is tokens × price / 1e6. BigInt keeps the product exact; the
 * result is at most 2 × 10^14 (10^8 tokens each way at the loader's maximum price), exact as a number.
 */
export function costMicros(inputTokens: number, outputTokens: number, price: { inputMicrosPerMillion: number; outputMicrosPerMillion: number }): number {
  const exact = BigInt(inputTokens) * BigInt(price.inputMicrosPerMillion) + BigInt(outputTokens) * BigInt(price.outputMicrosPerMillion);
  return Number((exact + 500_000n) / 1_000_000n);
}
