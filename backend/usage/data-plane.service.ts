import { TenancyError, FieldError } from "../../schema/errors";
import { AuthorizeInput, AuthorizeResult, UsageInput } from "../../schema/usage";
import type { ApiKeyPrincipal } from "../auth/api-key-caller";
import type { Executor } from "../store/db";
import type { ProjectLimits } from "./limits";
import { monthKey } from "./limits";
import { costMicros } from "./money";
import { monthSpend, PricedEvent, recordEvents } from "./usage.repository";
import type { UsageRuntime } from "./usage.runtime";

/** The two routes an AI gateway calls with a project API key: ask before serving, report after. */

/** What the data plane needs of the key the pipeline resolved (active key, active project, live organization). */
export interface KeyEntry {
  apiKeyId: string;
  projectId: string;
  organizationId: string;
  permissions: "all" | "read_only";
  createdAt: string;
  limits: ProjectLimits;
}

export function keyEntry({ apiKey, project, organization }: ApiKeyPrincipal): KeyEntry {
  return {
    apiKeyId: apiKey.id,
    projectId: project.id,
    organizationId: organization.id,
    permissions: apiKey.permissions === "read_only" ? "read_only" : "all",
    createdAt: apiKey.created_at,
    limits: project.fields.limits ?? {},
  };
}

const FUTURE_SKEW_MS = 5 * 60_000;

function unknownModel(model: string, path?: string): TenancyError {
  const message = `model "${model}" has no price; GET /v1/prices lists the priced models (TENANCY_PRICES replaces the table)`;
  return new TenancyError("unknown_model", path ? `${path}: ${message}` : message, path ? { errors: [{ path, message }] } : {});
}

export async function authorize(rt: UsageRuntime, db: Executor, key: KeyEntry, input: AuthorizeInput, now: Date): Promise<AuthorizeResult> {
  if (input.write && key.permissions === "read_only") {
    throw new TenancyError("read_only_key", "this API key is read_only and the request is marked write; use a key with permissions all");
  }
  const allowed = key.limits.allowedModels;
  if (allowed && !allowed.includes(input.model)) {
    throw new TenancyError("model_not_allowed", `model "${input.model}" is not in this project's limits.allowedModels (${allowed.join(", ")})`);
  }
  const price = rt.prices.priceAt(input.model, now.toISOString());
  if (!price) throw unknownModel(input.model);
  const admission = await rt.limits.admit({
    projectId: key.projectId,
    limits: key.limits,
    tokens: (input.inputTokens ?? 0) + (input.maxOutputTokens ?? 0),
    costMicros: costMicros(input.inputTokens ?? 0, input.maxOutputTokens ?? 0, price),
    now,
    seedSpend: (month) => monthSpend(db, key.projectId, month),
  });
  return { apiKeyId: key.apiKeyId, projectId: key.projectId, organizationId: key.organizationId, ...admission };
}

/**
 * Checks the whole batch before writing any of it: a bad event fails the batch with a 400 naming
 * `events[i].field`, an unpriced model with a 422, and nothing is half-applied.
 */
function priceBatch(rt: UsageRuntime, key: KeyEntry, input: UsageInput, now: Date): PricedEvent[] {
  const errors: FieldError[] = [];
  const unpriced: FieldError[] = [];
  const seen = new Map<string, number>();
  const nowIso = now.toISOString();
  const currentMonth = monthKey(now);
  const priced = input.events.map((e, i) => {
    const at = e.at === undefined ? nowIso : new Date(e.at).toISOString();
    const first = seen.get(e.eventId);
    if (first !== undefined) errors.push({ path: `events[${i}].eventId`, message: `repeats events[${first}].eventId "${e.eventId}" in this batch` });
    seen.set(e.eventId, first ?? i);
    if (Date.parse(at) > now.getTime() + FUTURE_SKEW_MS) errors.push({ path: `events[${i}].at`, message: "must not be more than 5 minutes in the future" });
    else if (at < key.createdAt) errors.push({ path: `events[${i}].at`, message: `must not be before the API key existed (${key.createdAt})` });
    else if (monthKey(new Date(at)) < currentMonth) {
      errors.push({ path: `events[${i}].at`, message: `falls in ${monthKey(new Date(at))}, whose invoice is final; report usage within its calendar month (UTC)` });
    }
    const price = rt.prices.priceAt(e.model, at);
    if (!price) unpriced.push({ path: `events[${i}].model`, message: `model "${e.model}" has no price at ${at}; GET /v1/prices lists the priced models` });
    return {
      project_id: key.projectId,
      event_id: e.eventId,
      api_key_id: key.apiKeyId,
      organization_id: key.organizationId,
      model: e.model,
      input_tokens: e.inputTokens,
      output_tokens: e.outputTokens,
      cost_micros: price ? costMicros(e.inputTokens, e.outputTokens, price) : 0,
      at,
      received_at: nowIso,
    };
  });
  if (errors.length > 0) {
    throw new TenancyError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
  }
  if (unpriced.length > 0) {
    throw new TenancyError("unknown_model", unpriced.map((e) => `${e.path}: ${e.message}`).join("; "), { errors: unpriced });
  }
  return priced;
}

/**
 * Runs inside the request's transaction (the pipeline commits before answering): the batch and
 * its rollups commit together or not at all. Settling the limits comes before that commit, so a
 * failed commit can only over-count a budget, never under-count it. On a month whose budget
 * counter is not seeded yet the cost is kept as pending and added by the seed, which may read the
 * database before this commit (budgets.ts says why that too can only over-count).
 */
export async function recordUsage(rt: UsageRuntime, db: Executor, key: KeyEntry, input: UsageInput, now: Date): Promise<{ accepted: number; duplicates: number }> {
  const priced = priceBatch(rt, key, input, now);
  const kept = await recordEvents(db, priced);
  if (kept.length > 0) {
    const keptIds = new Set(kept.map((e) => e.event_id));
    const costByMonth = new Map<string, number>();
    for (const e of kept) costByMonth.set(e.at.slice(0, 7), (costByMonth.get(e.at.slice(0, 7)) ?? 0) + e.cost_micros);
    const reservationIds = input.events.filter((e) => e.reservationId && keptIds.has(e.eventId)).map((e) => e.reservationId!);
    const tokens = kept.reduce((sum, e) => sum + e.input_tokens + e.output_tokens, 0);
    await rt.limits.settle({ projectId: key.projectId, tokens, costByMonth, reservationIds }, key.limits);
  }
  return { accepted: kept.length, duplicates: priced.length - kept.length };
}
