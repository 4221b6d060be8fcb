import type { Redis } from "ioredis";
import { BUDGET_LUA, KEEP_SECONDS, RedisBudgets } from "./budgets.redis";
import { RedisReservations, RESERVATION_LUA } from "./reservations.redis";
import { Window, WINDOW_LUA } from "./windows";

/**
 * One authorize, one Redis round trip: the requests window, the tokens window, the budget
 * reservation and the record of what was charged (reservations.redis.ts) in a single script,
 * where each of them alone costs a round trip of its own (commands written, woken for and parsed
 * per request, on the backend and on Redis). The script is also atomic: a request refused by one
 * limit gives back what it took from the ones before, with no other instance's request in
 * between. The counters are the very keys `Window` (the rate-limiter-flexible format: an integer
 * that expires the window's length after its first count), RedisBudgets and RedisReservations
 * use, so settling, refunds and the step-by-step path (used when this one fails) work on the same
 * numbers. The keys lie in different hash slots: one Redis server (with replicas), not Redis
 * Cluster, as the rest of the data plane.
 */
const ADMIT = `${BUDGET_LUA}${WINDOW_LUA}${RESERVATION_LUA}
local seconds = tonumber(ARGV[1])
local rpm, tpm, tokens, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
-- An unseeded budget is reported before anything is counted: the caller seeds it and asks again.
if budget >= 0 and redis.call('hexists', KEYS[3], 'spent') == 0 then return {-1} end
local rc, rt, tc, tt, remaining = 0, 0, 0, 0, 0
if rpm >= 0 then
  rc, rt = add(KEYS[1], 1, seconds)
  if rc > rpm then return {2, rc, rt} end
end
if tpm >= 0 then
  if tokens > 0 then
    tc, tt = add(KEYS[2], tokens, seconds)
    if tc > tpm then
      redis.call('incrby', KEYS[2], -tokens)
      if rpm >= 0 then redis.call('incrby', KEYS[1], -1) end
      return {3, tc, tt}
    end
  else
    tc = tonumber(redis.call('get', KEYS[2]) or '0')
    tt = redis.call('pttl', KEYS[2])
    if tt < 0 then tt = 1000 * seconds end
    if tc >= tpm then
      if rpm >= 0 then redis.call('incrby', KEYS[1], -1) end
      return {3, tc, tt}
    end
  end
end
if budget >= 0 then
  local status, amount, held = reserve(KEYS[3], KEYS[4], tonumber(ARGV[10]), budget, tonumber(ARGV[6]), ARGV[7], ARGV[8], ARGV[9])
  if status ~= 1 then
    if tpm >= 0 and tokens > 0 then redis.call('incrby', KEYS[2], -tokens) end
    if rpm >= 0 then redis.call('incrby', KEYS[1], -1) end
    return {4, amount, held}
  end
  remaining = amount
end
-- What settling needs: the tokens charged and the window they went to, the month of the hold.
local charged = (tpm >= 0 and tokens > 0) and tokens or 0
if charged > 0 or budget >= 0 then
  reserve_record(KEYS[5], charged, charged > 0 and window_end(KEYS[2]) or 0, budget >= 0 and ARGV[11] or '-', ARGV[12])
end
return {1, rc, rt, tc, tt, remaining}
`;

export interface AtomicRequest {
  projectId: string;
  month: string;
  nowMs: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  tokens: number;
  budget?: { budgetMicros: number; costMicros: number; holdId: string; expiresAtMs: number };
  /** The reservation id the answer carries, and how long its record lives. */
  reservationId: string;
  reservationTtlMs: number;
}

/** A window's count after this request, and the milliseconds until it resets. */
export interface Counted {
  consumed: number;
  ttlMs: number;
}

export type AtomicOutcome =
  | { kind: "unseeded" }
  | { kind: "refused"; limit: "requestsPerMinute" | "tokensPerMinute"; window: Counted }
  | { kind: "refused"; limit: "monthlyBudgetUsd"; usedMicros: number; heldMicros: number }
  | { kind: "admitted"; requests: Counted; tokens: Counted; remainingMicros: number };

type Scripted = Redis & { tenancyAdmit(...keysAndArgs: (string | number)[]): Promise<number[]> };

export class RedisAdmission {
  private readonly redis: Scripted;

  constructor(
    client: Redis,
    private readonly requests: Window,
    private readonly tokens: Window,
    readonly budgets: RedisBudgets,
    private readonly reservations: RedisReservations,
  ) {
    client.defineCommand("tenancyAdmit", { numberOfKeys: 5, lua: ADMIT });
    this.redis = client as Scripted;
  }

  async admit(r: AtomicRequest): Promise<AtomicOutcome> {
    const [hash, holds] = this.budgets.keys(r.projectId, r.month);
    const keys = [this.requests.redisKey(r.projectId)!, this.tokens.redisKey(r.projectId)!, hash, holds, this.reservations.key(r.projectId, r.reservationId)];
    const b = r.budget;
    const args = [
      this.tokens.seconds,
      r.requestsPerMinute ?? -1,
      r.tokensPerMinute ?? -1,
      r.tokens,
      b ? b.budgetMicros : -1,
      b?.costMicros ?? 0,
      b?.holdId ?? "",
      b?.expiresAtMs ?? 0,
      KEEP_SECONDS,
      r.nowMs,
      r.month,
      r.reservationTtlMs,
    ];
    const [status, ...n] = await this.redis.tenancyAdmit(...keys, ...args);
    switch (status) {
      case -1:
        return { kind: "unseeded" };
      case 2:
        return { kind: "refused", limit: "requestsPerMinute", window: { consumed: n[0], ttlMs: n[1] } };
      case 3:
        return { kind: "refused", limit: "tokensPerMinute", window: { consumed: n[0], ttlMs: n[1] } };
      case 4:
        return { kind: "refused", limit: "monthlyBudgetUsd", usedMicros: n[0], heldMicros: n[1] };
      default:
        return { kind: "admitted", requests: { consumed: n[0], ttlMs: n[1] }, tokens: { consumed: n[2], ttlMs: n[3] }, remainingMicros: n[4] };
    }
  }
}
