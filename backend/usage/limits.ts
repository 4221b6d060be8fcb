import { TenancyError } from "../../schema/errors";
import type { LimitName } from "../../schema/usage";
import type { RedisAdmission } from "./admission.redis";
import type { Budgets } from "./budgets";
import { newHoldId } from "./budgets";
import { formatUsd, parseUsd } from "./money";
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

/** What settling one batch needs: its real totals and the reservations its events named. */
export interface Settlement {
  projectId: string;
  tokens: number;
  costByMonth: Map<string, number>;
  reservationIds: string[];
}

export const monthKey = (d: Date) => d.toISOString().slice(0, 7);
const nextMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function exceeded(limit: LimitName, retryAfterSeconds: number, detail: string): TenancyError {
  return new TenancyError("limit_exceeded", `${limit} exceeded: ${detail}; retry after ${retryAfterSeconds} s`, { limit, retryAfterSeconds });
}

/** `res_<YYYY-MM>_<token estimate, base 36>_<hold>`: settling needs the month and the estimate, on any instance. */
function reservationId(month: string, tokens: number, hold: string): string {
  return `res_${month}_${tokens.toString(36)}_${hold}`;
}
function parseReservation(id: string): { month: string; tokens: number; hold: string } | undefined {
  const m = /^res_(\d{4}-\d{2})_([0-9a-z]{1,12})_([A-Za-z0-9_-]{1,32})$/.exec(id);
  return m ? { month: m[1], tokens: parseInt(m[2], 36), hold: m[3] } : undefined;
}

/** The refusals both paths give: one wording per limit. */
const tooManyRequests = (limit: number, retry: number) => exceeded("requestsPerMinute", retry, `${limit} requests per minute`);
const tooManyTokens = (limit: number, retry: number) => exceeded("tokensPerMinute", retry, `${limit} tokens per minute`);
function overBudget(budgetMicros: number, usedMicros: number, now: Date): TenancyError {
  const detail = `${formatUsd(usedMicros)} of ${formatUsd(budgetMicros)} USD used or reserved this month`;
  return exceeded("monthlyBudgetUsd", seconds(nextMonth(now).getTime() - now.getTime()), detail);
}
const windowHeadroom = (limit: number, consumed: number, resetAtMs: number): Headroom => ({ limit, remaining: limit - consumed, resetAt: new Date(resetAtMs).toISOString() });
const budgetHeadroom = (budgetMicros: number, remainingMicros: number, now: Date): Headroom => ({
  limit: formatUsd(budgetMicros),
  remaining: formatUsd(remainingMicros),
  resetAt: nextMonth(now).toISOString(),
});

export class LimitsEngine {
  private readonly retries: Settlement[] = [];

  constructor(
    private readonly requests: Window,
    private readonly tokens: Window,
    private readonly budgets: Budgets,
    private readonly holdMs: number,
    /** Reports a limits store failure (metrics, logs). */
    private readonly onFailure: (err: unknown) => void,
    /** With Redis: the whole admission in one script; the step-by-step path below when it fails. */
    private readonly atomic?: RedisAdmission,
  ) {}

  async admit(r: AdmitRequest): Promise<Admission> {
    const hold = newHoldId();
    const out: Admission = { reservationId: reservationId(monthKey(r.now), r.tokens, hold), limits: {} };
    const { requestsPerMinute, tokensPerMinute, monthlyBudgetUsd } = r.limits;
    // A project without limits is admitted without asking the limits store at all.
    if (requestsPerMinute === undefined && tokensPerMinute === undefined && monthlyBudgetUsd === undefined) return out;
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
    const budgetMicros = limits.monthlyBudgetUsd === undefined ? undefined : (parseUsd(limits.monthlyBudgetUsd) ?? 0);
    const request = {
      projectId,
      month,
      nowMs,
      requestsPerMinute: limits.requestsPerMinute,
      tokensPerMinute: limits.tokensPerMinute,
      tokens: r.tokens,
      budget: budgetMicros === undefined ? undefined : { budgetMicros, costMicros: r.costMicros, holdId: hold, expiresAtMs: nowMs + this.holdMs },
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
        if (outcome.limit === "monthlyBudgetUsd") throw overBudget(budgetMicros!, outcome.usedMicros, now);
        if (outcome.limit === "requestsPerMinute") throw tooManyRequests(limits.requestsPerMinute!, seconds(outcome.window.ttlMs));
        throw tooManyTokens(limits.tokensPerMinute!, seconds(outcome.window.ttlMs));
      case "admitted":
        if (limits.requestsPerMinute !== undefined) out.limits.requestsPerMinute = windowHeadroom(limits.requestsPerMinute, outcome.requests.consumed, nowMs + outcome.requests.ttlMs);
        if (limits.tokensPerMinute !== undefined) out.limits.tokensPerMinute = windowHeadroom(limits.tokensPerMinute, outcome.tokens.consumed, nowMs + outcome.tokens.ttlMs);
        if (budgetMicros !== undefined) out.limits.monthlyBudgetUsd = budgetHeadroom(budgetMicros, outcome.remainingMicros, now);
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
    if (limits.tokensPerMinute !== undefined) {
      const w = r.tokens > 0 ? await this.tokens.add(projectId, r.tokens, nowMs) : await this.tokens.read(projectId, nowMs);
      const over = r.tokens > 0 ? w.consumed > limits.tokensPerMinute : w.consumed >= limits.tokensPerMinute;
      if (over) {
        if (r.tokens > 0) await this.tokens.adjust(projectId, -r.tokens);
        throw tooManyTokens(limits.tokensPerMinute, seconds(w.resetAt.getTime() - nowMs));
      }
      out.limits.tokensPerMinute = windowHeadroom(limits.tokensPerMinute, w.consumed, w.resetAt.getTime());
    }
    if (limits.monthlyBudgetUsd !== undefined) {
      const budgetMicros = parseUsd(limits.monthlyBudgetUsd) ?? 0;
      let result;
      try {
        const reservation = { projectId, month, costMicros: r.costMicros, budgetMicros, holdId: hold, expiresAtMs: nowMs + this.holdMs, seed: () => r.seedSpend(month) };
        result = await this.budgets.reserve(reservation, nowMs);
      } catch (err) {
        // Fail closed: without the shared counter nobody can tell whether the budget still holds.
        this.onFailure(err);
        if (r.tokens > 0 && limits.tokensPerMinute !== undefined) await this.tokens.adjust(projectId, -r.tokens).catch(() => undefined);
        throw new TenancyError("limits_unavailable", "the shared limits store is unreachable, so the monthly budget cannot be checked; retry shortly", {
          retryAfterSeconds: 5,
        });
      }
      if (!result.ok) {
        if (r.tokens > 0 && limits.tokensPerMinute !== undefined) await this.tokens.adjust(projectId, -r.tokens);
        throw overBudget(budgetMicros, result.usedMicros, now);
      }
      out.limits.monthlyBudgetUsd = budgetHeadroom(budgetMicros, result.remainingMicros, now);
    }
  }

  /**
   * Inside the batch's transaction, just before it commits: correct the token window by (real −
   * estimated) and turn holds into spend. A failed budget settle is retried, never lost (the
   * events are in the database). A project without a budget leaves the budget counters alone:
   * its costs would wait there as pending (budgets.ts) and be counted a second time by the seed
   * once a budget is set, which reads the same spend from the database.
   */
  async settle(s: Settlement, limits: ProjectLimits): Promise<void> {
    const reservations = [...new Set(s.reservationIds)].map(parseReservation).filter((r) => r !== undefined);
    if (limits.tokensPerMinute !== undefined) {
      const estimated = reservations.reduce((sum, r) => sum + r.tokens, 0);
      await this.tokens.adjust(s.projectId, s.tokens - estimated).catch(this.onFailure);
    }
    if (limits.monthlyBudgetUsd === undefined) return;
    try {
      await this.settleBudgets(s, reservations);
    } catch (err) {
      this.onFailure(err);
      this.retries.push(s);
    }
  }

  private async settleBudgets(s: Settlement, reservations: { month: string; hold: string }[]): Promise<void> {
    const months = new Set([...s.costByMonth.keys(), ...reservations.map((r) => r.month)]);
    for (const month of months) {
      const holds = reservations.filter((r) => r.month === month).map((r) => r.hold);
      await this.budgets.settle(s.projectId, month, s.costByMonth.get(month) ?? 0, holds);
    }
  }

  /** Replays settlements that failed (Redis was down); the usage itself is safe in the database. */
  async retryFailed(): Promise<void> {
    while (this.retries.length > 0) {
      const s = this.retries[0];
      await this.settleBudgets(s, s.reservationIds.map(parseReservation).filter((r) => r !== undefined));
      this.retries.shift();
    }
  }

  async close(): Promise<void> {
    await this.budgets.close();
  }
}
