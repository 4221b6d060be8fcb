import { TenancyError } from "../../schema/errors";
import type { LimitName } from "../../schema/usage";
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

export class LimitsEngine {
  private readonly retries: Settlement[] = [];

  constructor(
    private readonly requests: Window,
    private readonly tokens: Window,
    private readonly budgets: Budgets,
    private readonly holdMs: number,
    /** Reports a limits store failure (metrics, logs). */
    private readonly onFailure: (err: unknown) => void,
  ) {}

  async admit(r: AdmitRequest): Promise<Admission> {
    const { projectId, limits, now } = r;
    const nowMs = now.getTime();
    const month = monthKey(now);
    const hold = newHoldId();
    const out: Admission = { reservationId: reservationId(month, r.tokens, hold), limits: {} };
    if (limits.requestsPerMinute !== undefined) {
      const w = await this.requests.add(projectId, 1, nowMs);
      const retry = seconds(w.resetAt.getTime() - nowMs);
      if (w.consumed > limits.requestsPerMinute) throw exceeded("requestsPerMinute", retry, `${limits.requestsPerMinute} requests per minute`);
      out.limits.requestsPerMinute = { limit: limits.requestsPerMinute, remaining: limits.requestsPerMinute - w.consumed, resetAt: w.resetAt.toISOString() };
    }
    if (limits.tokensPerMinute !== undefined) {
      const w = r.tokens > 0 ? await this.tokens.add(projectId, r.tokens, nowMs) : await this.tokens.read(projectId, nowMs);
      const over = r.tokens > 0 ? w.consumed > limits.tokensPerMinute : w.consumed >= limits.tokensPerMinute;
      if (over) {
        if (r.tokens > 0) await this.tokens.adjust(projectId, -r.tokens);
        throw exceeded("tokensPerMinute", seconds(w.resetAt.getTime() - nowMs), `${limits.tokensPerMinute} tokens per minute`);
      }
      out.limits.tokensPerMinute = { limit: limits.tokensPerMinute, remaining: limits.tokensPerMinute - w.consumed, resetAt: w.resetAt.toISOString() };
    }
    if (limits.monthlyBudgetUsd !== undefined) {
      const budgetMicros = parseUsd(limits.monthlyBudgetUsd) ?? 0;
      const resetAt = nextMonth(now);
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
        const detail = `${formatUsd(result.usedMicros)} of ${formatUsd(budgetMicros)} USD used or reserved this month`;
        throw exceeded("monthlyBudgetUsd", seconds(resetAt.getTime() - nowMs), detail);
      }
      out.limits.monthlyBudgetUsd = { limit: formatUsd(budgetMicros), remaining: formatUsd(result.remainingMicros), resetAt: resetAt.toISOString() };
    }
    return out;
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
