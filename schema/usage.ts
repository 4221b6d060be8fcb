import { z } from "zod";
import { clientId, idOf, timestamp } from "./common";

/**
 * The data plane's wire objects (DESIGN.md, "Usage, limits and cost attribution"): what a gateway
 * sends to `POST /v1/authorize` and `POST /v1/usage`, and what the usage, cost, invoice and price
 * views answer. Money is integer micro-USD inside; on the wire USD is a decimal string with six
 * places ("12.345678"), so no client ever sums floats.
 */

export const modelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:\/@-]{0,127}$/, "must be a model name of 1-128 letters, digits, '.', '_', ':', '/', '@' or '-'");

/** One event's token counts: whole numbers, at most 100 million per event. */
const tokens = z.int("must be a whole number of tokens").min(0, "must not be negative").max(100_000_000, "must be at most 100000000");

export const usd = z.string().regex(/^\d+\.\d{6}$/, 'must be USD as a decimal string with 6 places, such as "12.345678"');

export const MAX_EVENTS = 1000;

/** The client's project API key, as the client presented it to the gateway: the subject of a decision, never a caller. */
const apiKeySecret = z.string().min(1, "must be the client's project API key (tpk_…)").max(512, "must be at most 512 characters");

export const authorizeInput = z.strictObject({
  apiKey: apiKeySecret,
  model: modelName,
  inputTokens: tokens.optional(),
  maxOutputTokens: tokens.optional(),
  /** The gateway marks requests that change something; `read_only` keys are refused them. */
  write: z.boolean().optional(),
  /** The client's address as the gateway saw it (reserved for a key's allowlist; checked for shape only). */
  clientIp: z.union([z.ipv4(), z.ipv6()], "must be an IPv4 or IPv6 address").optional(),
});
export type AuthorizeInput = z.infer<typeof authorizeInput>;

export const LIMIT_NAMES = ["requestsPerMinute", "tokensPerMinute", "monthlyBudgetUsd"] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** Counts for the per-minute windows; USD strings for the budget. */
const headroom = z.strictObject({ limit: z.union([z.int(), usd]), remaining: z.union([z.int(), usd]), resetAt: timestamp });

export const authorizeResult = z.strictObject({
  apiKeyId: idOf("apiKey"),
  projectId: idOf("project"),
  organizationId: idOf("organization"),
  reservationId: z.string(),
  limits: z.strictObject({
    requestsPerMinute: headroom.optional(),
    tokensPerMinute: headroom.optional(),
    monthlyBudgetUsd: headroom.optional(),
  }),
});
export type AuthorizeResult = z.infer<typeof authorizeResult>;

export const usageEvent = z.strictObject({
  eventId: clientId(128),
  model: modelName,
  inputTokens: tokens,
  outputTokens: tokens,
  at: timestamp.optional(),
  /** The reservation `authorize` answered: billed to its key and project whatever happened to them since. */
  reservationId: clientId(128).optional(),
  /** Without a reservation: the key the request was served for, billed only while it was active (`at`). */
  apiKeyId: idOf("apiKey").optional(),
}).check((ctx) => {
  const { reservationId, apiKeyId } = ctx.value;
  if ((reservationId === undefined) === (apiKeyId === undefined)) {
    ctx.issues.push({ code: "custom", input: ctx.value, path: reservationId === undefined ? ["reservationId"] : ["apiKeyId"], message: "an event names exactly one of reservationId (what POST /v1/authorize answered) and apiKeyId" });
  }
});
export type UsageEvent = z.infer<typeof usageEvent>;

export const usageInput = z.strictObject({
  events: z.array(usageEvent).min(1, "must hold 1-1000 events").max(MAX_EVENTS, "must hold 1-1000 events"),
});
export type UsageInput = z.infer<typeof usageInput>;

export const usageResult = z.strictObject({ accepted: z.int(), duplicates: z.int() });

export const GROUP_BY = ["project", "apiKey", "model"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export const usageQuery = z.strictObject({
  from: timestamp.optional(),
  to: timestamp.optional(),
  groupBy: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const parts = (s ?? "").split(",").map((p) => p.trim()).filter(Boolean);
      for (const p of parts) {
        if (!(GROUP_BY as readonly string[]).includes(p)) {
          ctx.addIssue({ code: "custom", message: `unknown grouping "${p}"; use a comma list of ${GROUP_BY.join(", ")}` });
          return z.NEVER;
        }
      }
      return [...new Set(parts)] as GroupBy[];
    }),
  bucket: z.enum(["1h", "1d"]).default("1d"),
  projectId: idOf("project").optional(),
});
export type UsageQuery = z.output<typeof usageQuery>;

export const usageRow = z.strictObject({
  start: timestamp,
  end: timestamp,
  projectId: idOf("project").optional(),
  apiKeyId: idOf("apiKey").optional(),
  model: modelName.optional(),
  requests: z.int(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  costUsd: usd,
});
export type UsageRow = z.infer<typeof usageRow>;
export const usageReport = z.strictObject({ data: z.array(usageRow) });

export const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month as YYYY-MM");
export const invoiceQuery = z.strictObject({ month: month.optional() });

export const invoiceLine = z.strictObject({
  projectId: idOf("project"),
  projectName: z.string(),
  model: modelName,
  inputTokens: z.int(),
  outputTokens: z.int(),
  costUsd: usd,
});
export const invoice = z.strictObject({ month, status: z.enum(["open", "final"]), totalUsd: usd, lines: z.array(invoiceLine) });
export type Invoice = z.infer<typeof invoice>;
export const invoiceList = z.strictObject({ data: z.array(invoice) });

export const price = z.strictObject({ model: modelName, inputUsdPerMillion: usd, outputUsdPerMillion: usd, effectiveFrom: timestamp });
export const priceList = z.strictObject({ data: z.array(price) });

/** A project's limits in one short line, for tables people read (`npm start`'s layout). */
export function describeLimits(l: { requestsPerMinute?: number; tokensPerMinute?: number; monthlyBudgetUsd?: number; allowedModels?: string[] } = {}): string {
  const parts = [
    l.requestsPerMinute !== undefined ? `${l.requestsPerMinute} req/min` : "",
    l.tokensPerMinute !== undefined ? `${l.tokensPerMinute} tok/min` : "",
    l.monthlyBudgetUsd !== undefined ? `${l.monthlyBudgetUsd} USD/month` : "",
    l.allowedModels ? `models: ${l.allowedModels.join(" ")}` : "",
  ].filter(Boolean);
  return parts.join(", ") || "-";
}
