import { TenancyError, FieldError } from "../../schema/errors";
import { AuthorizeInput, AuthorizeResult, UsageInput } from "../../schema/usage";
import type { AuthCache } from "../auth/auth-cache";
import type { Executor, Store } from "../store/db";
import { Billed, billedSubjects } from "./billing-subjects";
import { resolveClientKey } from "./client-key";
import type { GatewayPrincipal } from "./gateway-caller";
import { monthKey } from "./limits";
import { costMicros, formatUsd } from "./money";
import { BOUND_NAMES, MONTH_BOUNDS } from "./month-bounds";
import { inSlices, SLICE } from "../http/slices";
import { MonthBoundError, monthOf, monthSpend, PreparedEvents, prepareEvents, PricedEvent, recordedEventIds, writeEvents } from "./usage.repository";
import type { UsageRuntime } from "./usage.runtime";

/**
 * The two routes the platform operator's gateway calls with its gateway credential: ask about a
 * client's API key before serving, report what was served after. The client is never a caller.
 */

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

/** Where a data-plane call runs: the runtime, the request's executor, and the instance's credential memory. */
export interface DataPlane {
  rt: UsageRuntime;
  store: Store;
  db: Executor;
  authCache: AuthCache;
}

export async function authorize({ rt, store, db, authCache }: DataPlane, input: AuthorizeInput, now: Date): Promise<AuthorizeResult> {
  const key = await resolveClientKey(store, input.apiKey, now, authCache);
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
  const reservationId = await rt.seal.seal({ holdId: admission.reservationId, apiKeyId: key.apiKeyId });
  return { apiKeyId: key.apiKeyId, projectId: key.projectId, organizationId: key.organizationId, ...admission, reservationId };
}

/** One event, priced and with its subject: what the batch records and settles. */
interface Priced {
  row: PricedEvent;
  billed: Billed;
}

/** Which events the gateway recorded already for their projects (only asked for events of closed months). */
async function recordedLate(db: Executor, gateway: GatewayPrincipal, late: { projectId: string; eventId: string }[]): Promise<Set<string>> {
  const byProject = new Map<string, string[]>();
  for (const e of late) byProject.set(e.projectId, [...(byProject.get(e.projectId) ?? []), e.eventId]);
  const seen = new Set<string>();
  for (const [projectId, ids] of byProject) for (const id of await recordedEventIds(db, gateway.id, projectId, ids)) seen.add(`${projectId}\u0000${id}`);
  return seen;
}

/**
 * Checks the whole batch before writing any of it: a bad event fails the batch with a 400 naming
 * `events[i].field`, an unpriced model with a 422, and nothing is half-applied. An event dated in
 * a final month is refused, unless it is a replay of one recorded already: that is a duplicate.
 */
async function priceBatch(rt: UsageRuntime, db: Executor, gateway: GatewayPrincipal, input: UsageInput, now: Date): Promise<{ fresh: Priced[]; replayed: number }> {
  const unpriced: FieldError[] = [];
  const nowIso = now.toISOString();
  const ats = input.events.map((e) => (e.at === undefined ? nowIso : new Date(e.at).toISOString()));
  const { billed, errors } = await billedSubjects(db, rt.seal, input.events, ats);
  const open = oldestOpenMonth(now);
  const late = input.events.flatMap((e, i) => (billed[i] && monthOf(ats[i]) < open ? [{ projectId: billed[i].key.projectId, eventId: e.eventId }] : []));
  const recorded = late.length > 0 ? await recordedLate(db, gateway, late) : new Set<string>();
  const seen = new Map<string, number>();
  const fresh: Priced[] = [];
  await inSlices(input.events, SLICE, (slice, start) => slice.forEach((e, k) => price(e, start + k)));
  function price(e: UsageInput["events"][number], i: number) {
    const b = billed[i];
    if (!b) return;
    const { key } = b;
    const at = ats[i];
    const id = `${key.projectId}\u0000${e.eventId}`;
    const first = seen.get(id);
    if (first !== undefined) errors.push({ path: `events[${i}].eventId`, message: `repeats events[${first}].eventId "${e.eventId}" of the same project in this batch` });
    seen.set(id, first ?? i);
    if (recorded.has(id)) return;
    const month = monthOf(at);
    if (Date.parse(at) > now.getTime() + FUTURE_SKEW_MS) errors.push({ path: `events[${i}].at`, message: "must not be more than 5 minutes in the future" });
    else if (at < key.createdAt) errors.push({ path: `events[${i}].at`, message: `must not be before the API key existed (${key.createdAt})` });
    else if (month < open) {
      const message = `falls in ${month}, whose invoice is final; a month takes events until ${GRACE_MINUTES} minutes after it ends (UTC)`;
      errors.push({ path: `events[${i}].at`, message });
    }
    const price = rt.prices.priceAt(e.model, at);
    if (!price) unpriced.push({ path: `events[${i}].model`, message: `model "${e.model}" has no price at ${at}; GET /v1/prices lists the priced models` });
    const row: PricedEvent = {
      project_id: key.projectId,
      gateway_id: gateway.id,
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
    };
    fresh.push({ row, billed: b });
  }
  if (errors.length > 0) {
    throw new TenancyError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
  }
  if (unpriced.length > 0) {
    throw new TenancyError("unknown_model", unpriced.map((e) => `${e.path}: ${e.message}`).join("; "), { errors: unpriced });
  }
  return { fresh, replayed: input.events.length - fresh.length };
}

/** Records the batch, or refuses it whole when it would take an organization's month past MONTH_BOUNDS. */
async function record(trx: Executor, batch: PreparedEvents): Promise<PricedEvent[]> {
  try {
    return await writeEvents(trx, batch);
  } catch (err) {
    if (!(err instanceof MonthBoundError)) throw err;
    const bound = MONTH_BOUNDS[err.column];
    const limit = err.column === "cost_micros" ? formatUsd(bound) : bound.toString();
    const message = `would take organization ${err.organizationId}'s ${err.month} past ${limit} ${BOUND_NAMES[err.column]}, the most one organization's month can hold (the views sum up to 13 months exactly); nothing in this batch was recorded`;
    throw new TenancyError("invalid_request", `events: ${message}`, { errors: [{ path: "events", message }] });
  }
}

/** Counts the batch against each of its projects' seconds; a refusal gives back what the others took. */
async function admitProjects(rt: UsageRuntime, counts: Map<string, number>, nowMs: number): Promise<void> {
  const taken: [string, number][] = [];
  try {
    for (const [projectId, n] of counts) {
      await rt.ingestion.admit(projectId, n, nowMs);
      taken.push([projectId, n]);
    }
  } catch (err) {
    for (const [projectId, n] of taken) await rt.ingestion.giveBack(projectId, n);
    throw err;
  }
}

/** What one project's kept events move its limits by. */
interface Settlement {
  limits: Billed["key"]["limits"];
  costByMonth: Map<string, bigint>;
  tokensByReservation: Map<string, number>;
  unreservedTokens: number;
}

function settlements(kept: Priced[]): Map<string, Settlement> {
  const out = new Map<string, Settlement>();
  for (const { row, billed } of kept) {
    const s = out.get(row.project_id) ?? { limits: billed.key.limits, costByMonth: new Map(), tokensByReservation: new Map(), unreservedTokens: 0 };
    const month = monthOf(row.at);
    s.costByMonth.set(month, (s.costByMonth.get(month) ?? 0n) + BigInt(row.cost_micros));
    const tokens = row.input_tokens + row.output_tokens;
    if (billed.holdId) s.tokensByReservation.set(billed.holdId, (s.tokensByReservation.get(billed.holdId) ?? 0) + tokens);
    else s.unreservedTokens += tokens;
    out.set(row.project_id, s);
  }
  return out;
}

/** Where a usage batch runs: reads on the plain connection, its write in a transaction of its own. */
export interface BatchStore {
  db: Executor;
  transact<T>(work: (trx: Executor) => Promise<T>): Promise<T>;
}

/**
 * Checks, prices and prepares the batch outside any transaction, in slices with other requests
 * served between them (slices.ts), then writes it in one transaction: the batch and its rollups
 * commit together or not at all. Settling the limits comes before that commit, so a
 * failed commit can only over-count a budget, never under-count it. On a month whose budget
 * counter is not seeded yet the cost is kept as pending and added by the seed, which may read the
 * database before this commit (budgets.ts says why that too can only over-count).
 */
export async function recordUsage(rt: UsageRuntime, { db, transact }: BatchStore, gateway: GatewayPrincipal, input: UsageInput, now: Date): Promise<{ accepted: number; duplicates: number }> {
  const nowMs = now.getTime();
  // First, before any read of the store: a flood is refused for the price of a counter. What it
  // takes stays taken even when another check refuses the batch: the gateway's second counts what
  // the server read, so a sender that ignores Retry-After gets at most that much read a second,
  // and the rest refused on its headers (ingestion.ts).
  await rt.gatewayIngestion.admit(gateway.id, input.events.length, nowMs);
  const { fresh, replayed } = await priceBatch(rt, db, gateway, input, now);
  const counts = new Map<string, number>();
  for (const e of fresh) counts.set(e.row.project_id, (counts.get(e.row.project_id) ?? 0) + 1);
  await admitProjects(rt, counts, nowMs);
  if (fresh.length === 0) return { accepted: 0, duplicates: replayed };
  const batch = await prepareEvents(db, fresh.map((e) => e.row), new Map(fresh.map((e) => [e.billed.key.projectId, e.billed.key.projectName])));
  return transact(async (trx) => {
    const keptRows = new Set(await record(trx, batch));
    const kept = fresh.filter((e) => keptRows.has(e.row));
    for (const [projectId, s] of settlements(kept)) {
      // Budget counters are doubles (budgets.ts): exact below 2^53, far above every budget past it.
      const budgetCost = new Map([...s.costByMonth].map(([month, cost]) => [month, Number(cost)]));
      await rt.limits.settle({ projectId, costByMonth: budgetCost, tokensByReservation: s.tokensByReservation, unreservedTokens: s.unreservedTokens }, s.limits);
    }
    return { accepted: kept.length, duplicates: replayed + fresh.length - kept.length };
  });
}
