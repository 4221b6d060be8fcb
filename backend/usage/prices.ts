import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { modelName } from "../../schema/usage";
import { baseName, isSnapshotOf } from "./model-names";
import { formatUsd, parseUsd } from "./money";

/**
 * The effective-dated price table: model → micro-USD per million input and output tokens, each
 * price in force from its `effectiveFrom` until the model's next entry. Events are priced once,
 * when written, at the price in force at their `at`.
 */
export interface Price {
  model: string;
  inputMicrosPerMillion: number;
  outputMicrosPerMillion: number;
  effectiveFrom: string;
}

export class PricesError extends Error {
  override readonly name = "PricesError";
}

/**
 * The highest price taken, in USD per million tokens (a dollar a token, far above any list price):
 * an event of the most tokens allowed at it still costs an exact number of micro-USD in a double.
 */
export const MAX_USD_PER_MILLION = 1_000_000;

const amount = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const micros = parseUsd(v);
  const decimal = typeof v === "number" ? Number.isFinite(v) && v >= 0 : /^\d+(\.\d+)?$/.test(v.trim());
  let problem: string | undefined;
  if (!decimal) problem = "must be a non-negative USD amount with at most 6 decimals, such as 2.50";
  else if (Number(v) > MAX_USD_PER_MILLION) problem = `must be at most ${MAX_USD_PER_MILLION} USD per million tokens`;
  else if (micros === undefined) problem = "must have at most 6 decimal places (prices are whole micro-USD per million tokens)";
  if (problem) ctx.addIssue({ code: "custom", message: problem });
  return micros ?? 0;
});
const effectiveFrom = z.string().transform((v, ctx) => {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : v;
  const ms = z.iso.datetime({ offset: true }).safeParse(iso).success ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) ctx.addIssue({ code: "custom", message: "must be a date (2025-06-10) or an RFC 3339 timestamp" });
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString();
});
const priceFile = z.strictObject({
  prices: z
    .array(z.strictObject({ model: modelName, inputUsdPerMillion: amount, outputUsdPerMillion: amount, effectiveFrom }))
    .min(1, "must list at least one price"),
  /** Names that resolve to a priced model although no rule of model-names.ts makes them (`claude-3-5-haiku-latest`). */
  aliases: z.record(modelName, modelName).optional(),
});

/** The shipped defaults: beside this file under ts-node, or in the package's backend/usage/ from dist/. */
export function defaultPricesPath(): string {
  const candidates = [join(__dirname, "prices.yaml"), join(__dirname, "..", "..", "..", "backend", "usage", "prices.yaml")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new PricesError(`the default price table is missing (looked in ${candidates.join(", ")})`);
  return found;
}

/** Reads and validates a price file; errors name the file, line and field at fault. */
export function loadPrices(path: string): PriceTable {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (err) {
    throw new PricesError(`TENANCY_PRICES: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new PricesError(`${path}:${e.linePos?.[0].line ?? "?"}: not valid YAML: ${e.message.split("\n")[0]}`);
  }
  /** "file:line" of the node at `at` in the document, for messages that name where to look. */
  const where = (at: readonly PropertyKey[]) => {
    const node = doc.getIn(at, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? `${path}:${lines.linePos(node.range[0]).line}` : path;
  };
  const parsed = priceFile.safeParse(doc.toJS());
  if (!parsed.success) {
    const messages = parsed.error.issues.map((i) => {
      const field = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") || "(file)";
      return `${where(i.path)}: ${field}: ${i.message}`;
    });
    throw new PricesError(messages.join("\n"));
  }
  const prices = parsed.data.prices.map((p) => ({
    model: p.model,
    inputMicrosPerMillion: p.inputUsdPerMillion,
    outputMicrosPerMillion: p.outputUsdPerMillion,
    effectiveFrom: p.effectiveFrom,
  }));
  const seen = new Set<string>();
  prices.forEach((p, i) => {
    const key = `${p.model}@${p.effectiveFrom}`;
    if (seen.has(key)) throw new PricesError(`${path}: prices[${i}]: ${p.model} already has a price effective from ${p.effectiveFrom}`);
    seen.add(key);
  });
  const aliases = new Map(Object.entries(parsed.data.aliases ?? {}));
  const priced = new Set(prices.map((p) => p.model));
  for (const [alias, model] of aliases) {
    const at = `${where(["aliases", alias])}: aliases.${alias}`;
    if (priced.has(alias)) throw new PricesError(`${at}: "${alias}" has prices of its own; an alias must be a name without any`);
    if (!priced.has(model)) throw new PricesError(`${at}: must name a model listed under prices, got "${model}"`);
  }
  return new PriceTable(prices, aliases);
}

export class PriceTable {
  private readonly byModel = new Map<string, Price[]>();

  constructor(
    readonly prices: readonly Price[],
    private readonly aliases: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const p of prices) this.byModel.set(p.model, [...(this.byModel.get(p.model) ?? []), p]);
    for (const list of this.byModel.values()) list.sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
    Object.freeze(this);
  }

  /** The priced model a name sent by a client resolves to (model-names.ts), or undefined. */
  resolve(model: string): string | undefined {
    return baseName(model, (name) => this.byModel.has(name)) ?? this.aliases.get(model);
  }

  /** Whether `allowedModels` allows `model`: an entry allows itself and its snapshots, and the aliases of those. */
  allows(allowed: readonly string[], model: string): boolean {
    const alias = this.aliases.get(model);
    return allowed.some((a) => isSnapshotOf(model, a) || (alias !== undefined && isSnapshotOf(alias, a)));
  }

  /** The price in force at `at` of the entry `model` resolves to (its `model` names that entry), or undefined (unknown model, or before its first price). */
  priceAt(model: string, at: string): Price | undefined {
    const resolved = this.resolve(model);
    const list = resolved === undefined ? undefined : this.byModel.get(resolved);
    if (!list) return undefined;
    let found: Price | undefined;
    for (const p of list) if (p.effectiveFrom <= at) found = p;
    return found;
  }

  /** The wire form of `GET /v1/prices`: every entry, by model then date. */
  toWire() {
    return [...this.byModel.values()].flat().map((p) => ({
      model: p.model,
      inputUsdPerMillion: formatUsd(p.inputMicrosPerMillion),
      outputUsdPerMillion: formatUsd(p.outputMicrosPerMillion),
      effectiveFrom: p.effectiveFrom,
    }));
  }
}
