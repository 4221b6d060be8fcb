import { TenancyError, FieldError } from "../../schema/errors";
import { AuthorizeInput, AuthorizeResult, UsageInput } from "../../schema/usage";
import type { ApiKeyPrincipal } from "../auth/api-key-caller";
import type { Executor } from "../store/db";
import type { ProjectLimits } from "./limits";
import { monthKey } from "./limits";
import { costMicros, formatUsd } from "./money";
import { isReservationId } from "./reservations";
import { BOUND_NAMES, MONTH_BOUNDS } from "./month-bounds";
import { MonthBoundError, monthOf, monthSpend, PricedEvent, recordedEventIds, recordEvents } from "./usage.repository";
import type { UsageRuntime } from "./usage.runtime";

/** The two routes an AI gateway calls with a project API key: ask before serving, report after. */

/** What the data plane needs of the key the pipeline resolved (active key, active project, live organization). */
export interface KeyEntry {
  apiKeyId: string;
  projectId: string;
  /** What this month's invoice lines call the project (its name when the key was looked up). */
  projectName: string;
  organizationId: string;
  permissions: "all" | "read_only";
  createdAt: string;
  limits: ProjectLimits;
}

export function keyEntry({ apiKey, project, organization }: ApiKeyPrincipal): KeyEntry {
  return {
    apiKeyId: apiKey.id,
    projectId: project.id,
    projectName: project.name,
    organizationId: organization.id,
    permissions: apiKey.permissions === "read_only" ? "read_only" : "all",
    createdAt: apiKey.created_at,
    limits: project.fields.limits ?? {},
  };
}

const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * A month still takes events for this long after it ends (midnight UTC): a gateway's last batch
 * of the month and a clock a little behind land in it. Then the month is final (its invoice too)
 * and events dated in it are refused. Well inside the retention (ingestion.ts): a month is final long before any
 * of its events is pruned, so a pruned event can never be counted again.
 */
export const MONTH_CLOSE_GRACE_MS = 10 * 60_000;
const GRACE_MINUTES = MONTH_CLOSE_GRACE_MS / 60_000;

/** The oldest month that still takes events at `now`. */
export const oldestOpenMonth = (now: Date) => monthKey(new Date(now.getTime() - MONTH_CLOSE_GRACE_MS));

/** A batch accepted just before its month closed has committed within this long (a request's transaction takes milliseconds). */
const IN_FLIGHT_MS = 60_000;
/** The oldest month whose invoice may still change at `now`; every month before it is final. */
export const oldestOpenInvoice = (now: Date) => monthKey(new Date(now.getTime() - MONTH_CLOSE_GRACE_MS - IN_FLIGHT_MS));

/** What the invoice view and the usage report call a month (YYYY-MM) at `now`. */
export const invoiceStatus = (month: string, now: Date): "final" | "open" => (month < oldestOpenInvoice(now) ? "final" : "open");

function unknownModel(model: string, path?: string): TenancyError {
  const message = `model "${model}" has no price; GET /v1/prices lists the priced models (TENANCY_PRICES replaces the table)`;
  return new TenancyError("unknown_model", path ? `${path}: ${message}` : message, path ? { errors: [{ path, message }] } : {});
}

export async function authorize(rt: UsageRuntime, db: Executor, key: KeyEntry, input: AuthorizeInput, now: Date): Promise<AuthorizeResult> {
  if (input.write && key.permissions === "read_only") {
    throw new TenancyError("read_only_key", "this API key is read_only and the request is marked write; use a key with permissions all");
  }
  const allowed = key.limits.allowedModels;
  if (allowed && !rt.prices.allows(allowed, input.model)) {
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
 * `events[i].field`, an unpriced model with a 422, and nothing is half-applied. An event dated in
 * a final month is refused, unless it is a replay of one recorded already: that is a duplicate.
 */
async function priceBatch(rt: UsageRuntime, db: Executor, key: KeyEntry, input: UsageInput, now: Date): Promise<{ fresh: PricedEvent[]; replayed: number }> {
  const errors: FieldError[] = [];
  const unpriced: FieldError[] = [];
  const seen = new Map<string, number>();
  const nowIso = now.toISOString();
  const ats = input.events.map((e) => (e.at === undefined ? nowIso : new Date(e.at).toISOString()));
  const open = oldestOpenMonth(now);
  const late = input.events.filter((_, i) => monthOf(ats[i]) < open).map((e) => e.eventId);
  const recorded = late.length > 0 ? await recordedEventIds(db, key.projectId, late) : new Set<string>();
  const fresh: PricedEvent[] = [];
  input.events.forEach((e, i) => {
    const at = ats[i];
    const first = seen.get(e.eventId);
    if (first !== undefined) errors.push({ path: `events[${i}].eventId`, message: `repeats events[${first}].eventId "${e.eventId}" in this batch` });
    seen.set(e.eventId, first ?? i);
    if (recorded.has(e.eventId)) return;
    const month = monthOf(at);
    if (Date.parse(at) > now.getTime() + FUTURE_SKEW_MS) errors.push({ path: `events[${i}].at`, message: "must not be more than 5 minutes in the future" });
    else if (at < key.createdAt) errors.push({ path: `events[${i}].at`, message: `must not be before the API key existed (${key.createdAt})` });
    else if (month < open) {
      const message = `falls in ${month}, whose invoice is final; a month takes events until ${GRACE_MINUTES} minutes after it ends (UTC)`;
      errors.push({ path: `events[${i}].at`, message });
    }
    const price = rt.prices.priceAt(e.model, at);
    if (!price) unpriced.push({ path: `events[${i}].model`, message: `model "${e.model}" has no price at ${at}; GET /v1/prices lists the priced models` });
    fresh.push({
      project_id: key.projectId,
      event_id: e.eventId,
      api_key_id: key.apiKeyId,
      organization_id: key.organizationId,
      model: e.model,
      priced_as: price?.model ?? null,
      input_tokens: e.inputTokens,
      output_tokens: e.outputTokens,
      cost_micros: price ? costMicros(e.inputTokens, e.outputTokens, price) : 0,
      at,
      received_at: nowIso,
    });
  });
  if (errors.length > 0) {
    throw new TenancyError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
  }
  if (unpriced.length > 0) {
    throw new TenancyError("unknown_model", unpriced.map((e) => `${e.path}: ${e.message}`).join("; "), { errors: unpriced });
  }
  return { fresh, replayed: input.events.length - fresh.length };
}

/** Records the batch, or refuses it whole when it would take its organization's month past MONTH_BOUNDS. */
async function record(db: Executor, events: PricedEvent[], key: KeyEntry): Promise<PricedEvent[]> {
  try {
    return await recordEvents(db, events, new Map([[key.projectId, key.projectName]]));
  } catch (err) {
    if (!(err instanceof MonthBoundError)) throw err;
    const bound = MONTH_BOUNDS[err.column];
    const limit = err.column === "cost_micros" ? formatUsd(bound) : bound.toString();
    const message = `would take this organization's ${err.month} past ${limit} ${BOUND_NAMES[err.column]}, the most one organization's month can hold (the views sum up to 13 months exactly); nothing in this batch was recorded`;
    throw new TenancyError("invalid_request", `events: ${message}`, { errors: [{ path: "events", message }] });
  }
}

/**
 * Runs inside the request's transaction (the pipeline commits before answering): the batch and
 * its rollups commit together or not at all. Settling the limits comes before that commit, so a
 * failed commit can only over-count a budget, never under-count it. On a month whose budget
 * counter is not seeded yet the cost is kept as pending and added by the seed, which may read the
 * database before this commit (budgets.ts says why that too can only over-count).
 */
export async function recordUsage(rt: UsageRuntime, db: Executor, key: KeyEntry, input: UsageInput, now: Date): Promise<{ accepted: number; duplicates: number }> {
  // First, before any read of the store: a flood is refused for the price of a counter.
  await rt.ingestion.admit(key.projectId, input.events.length, now.getTime());
  const { fresh, replayed } = await priceBatch(rt, db, key, input, now);
  const kept = fresh.length > 0 ? await record(db, fresh, key) : [];
  if (kept.length > 0) {
    const reservationOf = new Map(input.events.map((e) => [e.eventId, e.reservationId]));
    const costByMonth = new Map<string, bigint>();
    const tokensByReservation = new Map<string, number>();
    let unreservedTokens = 0;
    for (const e of kept) {
      costByMonth.set(monthOf(e.at), (costByMonth.get(monthOf(e.at)) ?? 0n) + BigInt(e.cost_micros));
      const tokens = e.input_tokens + e.output_tokens;
      const reservation = reservationOf.get(e.event_id);
      if (reservation && isReservationId(reservation)) tokensByReservation.set(reservation, (tokensByReservation.get(reservation) ?? 0) + tokens);
      else unreservedTokens += tokens;
    }
    // Budget counters are doubles (budgets.ts): exact below 2^53, far above every budget past it.
    const budgetCost = new Map([...costByMonth].map(([month, cost]) => [month, Number(cost)]));
    await rt.limits.settle({ projectId: key.projectId, costByMonth: budgetCost, tokensByReservation, unreservedTokens }, key.limits);
  }
  return { accepted: kept.length, duplicates: replayed + fresh.length - kept.length };
}
