import { TenancyError } from "../../schema/errors";
import type { LimitName } from "../../schema/usage";
import type { RedisAdmission } from "./admission.redis";
import type { Budgets } from "./budgets";
import { formatUsd, MICROS_PER_USD, parseUsd } from "./money";
import { Hold, newReservationId, Reservation, Reservations } from "./reservations";
import type { Window } from "./windows";

/**
 * The limits engine behind `POST /v1/authorize` and `POST /v1/usage`: one request counts against
 * the project's requests-per-minute window, its token estimate against tokens-per-minute, its
 * cost estimate is reserved against the monthly budget (calendar month, UTC). Counters are keyed
 * by project id alone, so one project's traffic never moves another's.
 */
export interface ProjectLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  monthlyBudgetUsd?: number;
  allowedModels?: string[];
}

export interface Headroom {
  limit: number | string;
  remaining: number | string;
  resetAt: string;
}

export interface Admission {
  reservationId: string;
  limits: Partial<Record<LimitName, Headroom>>;
}

export interface AdmitRequest {
  projectId: string;
  limits: ProjectLimits;
  tokens: number;
  costMicros: number;
  now: Date;
  /** The month's recorded spend from the database (micro-USD). */
  seedSpend: (month: string) => Promise<number>;
}

/** What settling one batch needs: its real totals, and its events' tokens by the reservation they named. */
export interface Settlement {
  projectId: string;
  costByMonth: Map<string, number>;
  tokensByReservation: Map<string, number>;
  /** Tokens of the events that named no reservation. */
  unreservedTokens: number;
}

/** One month's budget settle, kept to be retried when the limits store failed. */
interface BudgetSettle {
  projectId: string;
  month: string;
  costMicros: number;
  holdIds: string[];
  keepIfUnseeded: boolean;
  /** When it failed (ms), for the retry: its batch committed within COMMIT_BOUND_MS of that. */
  failedAt?: number;
}

/**
 * A settle runs just before its batch's transaction commits, so a batch whose settle failed has
 * committed (or failed) within this long. A retry waits that long, then knows whether a month
 * counter seeded since (after Redis lost its data, say) read the batch from the database already.
 */
export const COMMIT_BOUND_MS = 2_000;

export const monthKey = (d: Date) => d.toISOString().slice(0, 7);
const nextMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function exceeded(limit: LimitName, retryAfterSeconds: number, detail: string): TenancyError {
  return new TenancyError("limit_exceeded", `${limit} exceeded: ${detail}; retry after ${retryAfterSeconds} s`, { limit, retryAfterSeconds });
}

/**
 * A budget in whole micro-USD. The schema takes at most 6 decimals; a project stored before it
 * did may hold more (100 * 1.1 = 110.00000000000001): that rounds down to the micro-USD, never up
 * past what was set and never to 0 (which refused every request).
 */
function budgetMicros(usd: number): number {
  const exact = parseUsd(usd);
  if (exact !== undefined) return exact;
  if (!Number.isFinite(usd) || usd < 0) throw new Error(`limits.monthlyBudgetUsd is not an amount of USD: ${usd}`);
  return Math.floor(usd * MICROS_PER_USD);
}

/** The refusals both paths give: one wording per limit. */
const tooManyRequests = (limit: number, retry: number) => exceeded("requestsPerMinute", retry, `${limit} requests per minute`);
const tooManyTokens = (limit: number, retry: number) => exceeded("tokensPerMinute", retry, `${limit} tokens per minute`);
/**
 * Refused by the budget: until the month ends, unless it is live holds that keep this request
 * out. Those settle when their usage is reported, or lapse within the hold time.
 */
function overBudget(budgetMicros: number, refusal: { usedMicros: number; heldMicros: number }, costMicros: number, holdMs: number, now: Date): TenancyError {
  const detail = `${formatUsd(refusal.usedMicros)} of ${formatUsd(budgetMicros)} USD used or reserved this month`;
  const spent = refusal.usedMicros - refusal.heldMicros;
  const heldOut = refusal.heldMicros > 0 && spent < budgetMicros && spent + costMicros <= budgetMicros;
  return exceeded("monthlyBudgetUsd", seconds(heldOut ? holdMs : nextMonth(now).getTime() - now.getTime()), detail);
}

/** An estimate over the whole per-minute limit fits no minute: a 429 without Retry-After, saying so. */
function neverFits(limit: number, tokens: number): TenancyError {
  return new TenancyError(
    "limit_exceeded",
    `tokensPerMinute exceeded: this request's estimate of ${tokens} tokens (inputTokens + maxOutputTokens) is more than the project's whole ${limit} tokens per minute, so no minute can admit it; ask for fewer tokens or raise the limit`,
    { limit: "tokensPerMinute" },
  );
}
const windowHeadroom = (limit: number, consumed: number, resetAtMs: number): Headroom => ({ limit, remaining: limit - consumed, resetAt: new Date(resetAtMs).toISOString() });
const budgetHeadroom = (budgetMicros: number, remainingMicros: number, now: Date): Headroom => ({
  limit: formatUsd(budgetMicros),
  remaining: formatUsd(remainingMicros),
  resetAt: nextMonth(now).toISOString(),
});

export class LimitsEngine {
  /** Budget settles that failed, one per project, month and kind: an outage grows it by project, not by batch. */
  private readonly retries = new Map<string, BudgetSettle>();
  /** A reservation's record outlives its hold and its window, so a late report is still known. */
  private readonly reservationTtlMs: number;

  constructor(
    private readonly requests: Window,
    private readonly tokens: Window,
    private readonly budgets: Budgets,
    private readonly reservations: Reservations,
    private readonly holdMs: number,
    /** Reports a limits store failure (metrics, logs). */
    private readonly onFailure: (err: unknown) => void,
    /** With Redis: the whole admission in one script; the step-by-step path below when it fails. */
    private readonly atomic?: RedisAdmission,
  ) {
    this.reservationTtlMs = Math.max(holdMs, tokens.seconds * 1000);
  }

  async admit(r: AdmitRequest): Promise<Admission> {
    // The reservation id is also the id of its budget hold.
    const hold = newReservationId();
    const out: Admission = { reservationId: hold, limits: {} };
    const { requestsPerMinute, tokensPerMinute, monthlyBudgetUsd } = r.limits;
    // A project without limits is admitted without asking the limits store at all.
    if (requestsPerMinute === undefined && tokensPerMinute === undefined && monthlyBudgetUsd === undefined) return out;
    if (tokensPerMinute !== undefined && r.tokens > tokensPerMinute) throw neverFits(tokensPerMinute, r.tokens);
    if (this.atomic) {
      // Any failure but a refusal (Redis unreachable, a script error) leaves the decision to the
      // step-by-step path: its windows fall back to this instance, its budget check fails closed.
      const done = await this.admitAtomically(this.atomic, r, hold, out).catch((err: unknown) => {
        if (err instanceof TenancyError) throw err;
        return false;
      });
      if (done) return out;
    }
    await this.admitStepwise(r, hold, out);
    return out;
  }

  /** True when the script decided (admitted; a refusal throws), false to go step by step. */
  private async admitAtomically(atomic: RedisAdmission, r: AdmitRequest, hold: string, out: Admission): Promise<boolean> {
    const { projectId, limits, now } = r;
    const nowMs = now.getTime();
    const month = monthKey(now);
    const budget = limits.monthlyBudgetUsd === undefined ? undefined : budgetMicros(limits.monthlyBudgetUsd);
    const request = {
      projectId,
      month,
      nowMs,
      requestsPerMinute: limits.requestsPerMinute,
      tokensPerMinute: limits.tokensPerMinute,
      tokens: r.tokens,
      budget: budget === undefined ? undefined : { budgetMicros: budget, costMicros: r.costMicros, holdId: hold, expiresAtMs: nowMs + this.holdMs },
      reservationId: hold,
      reservationTtlMs: this.reservationTtlMs,
    };
    let outcome = await atomic.admit(request);
    if (outcome.kind === "unseeded") {
      await atomic.budgets.seed(projectId, month, () => r.seedSpend(month));
      outcome = await atomic.admit(request);
    }
    switch (outcome.kind) {
      case "unseeded":
        return false;
      case "refused":
        if (outcome.limit === "monthlyBudgetUsd") throw overBudget(budget!, outcome, r.costMicros, this.holdMs, now);
        if (outcome.limit === "requestsPerMinute") throw tooManyRequests(limits.requestsPerMinute!, seconds(outcome.window.ttlMs));
        throw tooManyTokens(limits.tokensPerMinute!, seconds(outcome.window.ttlMs));
      case "admitted":
        if (limits.requestsPerMinute !== undefined) out.limits.requestsPerMinute = windowHeadroom(limits.requestsPerMinute, outcome.requests.consumed, nowMs + outcome.requests.ttlMs);
        if (limits.tokensPerMinute !== undefined) out.limits.tokensPerMinute = windowHeadroom(limits.tokensPerMinute, outcome.tokens.consumed, nowMs + outcome.tokens.ttlMs);
        if (budget !== undefined) out.limits.monthlyBudgetUsd = budgetHeadroom(budget, outcome.remainingMicros, now);
        return true;
    }
  }

  private async admitStepwise(r: AdmitRequest, hold: string, out: Admission): Promise<void> {
    const { projectId, limits, now } = r;
    const nowMs = now.getTime();
    const month = monthKey(now);
    if (limits.requestsPerMinute !== undefined) {
      const w = await this.requests.add(projectId, 1, nowMs);
      if (w.consumed > limits.requestsPerMinute) throw tooManyRequests(limits.requestsPerMinute, seconds(w.resetAt.getTime() - nowMs));
      out.limits.requestsPerMinute = windowHeadroom(limits.requestsPerMinute, w.consumed, w.resetAt.getTime());
    }
    // What settling needs to know of this request (reservations.ts), when there is anything.
    const charged: Reservation = { tokens: 0, windowEndsAtMs: 0 };
    if (limits.tokensPerMinute !== undefined) {
      const w = r.tokens > 0 ? await this.tokens.add(projectId, r.tokens, nowMs) : await this.tokens.read(projectId, nowMs);
      const over = r.tokens > 0 ? w.consumed > limits.tokensPerMinute : w.consumed >= limits.tokensPerMinute;
      if (over) {
        if (r.tokens > 0) await this.tokens.adjust(projectId, -r.tokens);
        // A request refused by one limit gives back what it took from the ones before.
        if (limits.requestsPerMinute !== undefined) await this.requests.adjust(projectId, -1);
        throw tooManyTokens(limits.tokensPerMinute, seconds(w.resetAt.getTime() - nowMs));
      }
      out.limits.tokensPerMinute = windowHeadroom(limits.tokensPerMinute, w.consumed, w.resetAt.getTime());
      if (r.tokens > 0) {
        charged.tokens = r.tokens;
        charged.windowEndsAtMs = w.resetAt.getTime();
      }
    }
    if (limits.monthlyBudgetUsd !== undefined) {
      const budget = budgetMicros(limits.monthlyBudgetUsd);
      let result;
      try {
        const reservation = { projectId, month, costMicros: r.costMicros, budgetMicros: budget, holdId: hold, expiresAtMs: nowMs + this.holdMs, seed: () => r.seedSpend(month) };
        result = await this.budgets.reserve(reservation, nowMs);
      } catch (err) {
        // Fail closed: without the shared counter nobody can tell whether the budget still holds.
        this.onFailure(err);
        if (r.tokens > 0 && limits.tokensPerMinute !== undefined) await this.tokens.adjust(projectId, -r.tokens).catch(() => undefined);
        if (limits.requestsPerMinute !== undefined) await this.requests.adjust(projectId, -1).catch(() => undefined);
        throw new TenancyError("limits_unavailable", "the shared limits store is unreachable, so the monthly budget cannot be checked; retry shortly", {
          retryAfterSeconds: 5,
        });
      }
      if (!result.ok) {
        if (r.tokens > 0 && limits.tokensPerMinute !== undefined) await this.tokens.adjust(projectId, -r.tokens);
        if (limits.requestsPerMinute !== undefined) await this.requests.adjust(projectId, -1);
        throw overBudget(budget, result, r.costMicros, this.holdMs, now);
      }
      out.limits.monthlyBudgetUsd = budgetHeadroom(budget, result.remainingMicros, now);
      charged.month = month;
    }
    if (charged.tokens > 0 || charged.month) {
      // Without its record the request's usage settles as unreserved: counted again, never less.
      await this.reservations.issue(projectId, hold, charged, this.reservationTtlMs).catch(this.onFailure);
    }
  }

  /**
   * Inside the batch's transaction, just before it commits: take the reservations the events named
   * (each once, and only those authorize issued for this project), correct the tokens window by
   * (real − estimated) as reservations.ts says, and turn holds into spend. A failed budget settle
   * is retried, never lost (the events are in the database). A project without a budget settles
   * only onto a month counter that exists (budgets.ts says why).
   */
  async settle(s: Settlement, limits: ProjectLimits): Promise<void> {
    const counted = limits.tokensPerMinute !== undefined;
    const budgeted = limits.monthlyBudgetUsd !== undefined;
    let holds: Hold[] = [];
    if (counted || budgeted) {
      const use = { byReservation: s.tokensByReservation, unreserved: s.unreservedTokens, counted };
      try {
        holds = await this.reservations.settle(s.projectId, use);
      } catch (err) {
        // Without the reservations every event counts as unreserved: an over-count, never less.
        this.onFailure(err);
        const tokens = [...s.tokensByReservation.values()].reduce((sum, t) => sum + t, s.unreservedTokens);
        if (counted) await this.tokens.adjust(s.projectId, tokens).catch(this.onFailure);
      }
    }
    const months = new Set([...s.costByMonth.keys(), ...holds.map((h) => h.month)]);
    const settles = [...months].map((month) => ({
      projectId: s.projectId,
      month,
      costMicros: s.costByMonth.get(month) ?? 0,
      holdIds: holds.filter((h) => h.month === month).map((h) => h.holdId),
      keepIfUnseeded: budgeted,
    }));
    await this.settleBudgets(settles.filter((b) => b.costMicros !== 0 || b.holdIds.length > 0));
  }

  /** Settles each month in turn; on a failure keeps it and the rest for the retry timer. */
  private async settleBudgets(settles: BudgetSettle[]): Promise<void> {
    for (const [i, b] of settles.entries()) {
      try {
        await this.budgets.settle(b.projectId, b.month, b.costMicros, b.holdIds, b.keepIfUnseeded);
      } catch (err) {
        this.onFailure(err);
        for (const later of settles.slice(i)) this.keepForRetry(later);
        return;
      }
    }
  }

  private keepForRetry(b: BudgetSettle): void {
    const key = `${b.projectId}:${b.month}:${b.keepIfUnseeded}`;
    const kept = this.retries.get(key);
    // Merged entries wait for the later batch's commit: the earlier one's can only be over-counted.
    const failedAt = Math.max(b.failedAt ?? Date.now(), kept?.failedAt ?? 0);
    this.retries.set(key, kept ? { ...kept, costMicros: kept.costMicros + b.costMicros, holdIds: [...kept.holdIds, ...b.holdIds], failedAt } : { ...b, failedAt });
  }

  /**
   * Replays settlements that failed (Redis was down); the usage itself is safe in the database.
   * Each waits until its batch has certainly committed, then settles as a batch committed by then:
   * a counter seeded after that has it already (budgets.ts), one seeded before does not.
   */
  async retryFailed(now = Date.now()): Promise<void> {
    for (const [key, b] of this.retries) {
      const committedBy = (b.failedAt ?? 0) + COMMIT_BOUND_MS;
      if (now < committedBy) continue;
      // Taken out first: a settle that fails meanwhile merges into a new entry, not into this one.
      this.retries.delete(key);
      try {
        await this.budgets.settle(b.projectId, b.month, b.costMicros, b.holdIds, b.keepIfUnseeded, committedBy);
      } catch (err) {
        this.keepForRetry(b);
        throw err;
      }
    }
  }

  /** What the retry holds now (for /metrics): settles waiting for the limits store, and their cost. */
  pendingSettles(): { settles: number; costMicros: number } {
    let costMicros = 0;
    for (const b of this.retries.values()) costMicros += b.costMicros;
    return { settles: this.retries.size, costMicros };
  }

  async close(): Promise<void> {
    await this.budgets.close();
  }
}
