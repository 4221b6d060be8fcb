import type { Redis } from "ioredis";
import type { Budgets, Reservation, ReserveResult } from "./budgets";

/**
 * Budgets shared by every instance: per project and month a Redis hash (`spent`, `held`,
 * `h:<holdId>` = amount per live hold, and `pending` = cost settled before the month was seeded)
 * and a sorted set of hold expiries. Each call is one Lua script, so reading, expiring and adding
 * holds is atomic across instances; expiring reads only the holds that are due, so a reserve costs
 * the same with ten or a million holds outstanding. Why `pending` exists and what it may
 * over-count (never under-count): see the docstring of budgets.ts.
 */
const EXPIRE_HOLDS = `
local function drop(id)
  local amount = redis.call('hget', KEYS[1], 'h:' .. id)
  if amount then
    redis.call('hincrby', KEYS[1], 'held', 0 - tonumber(amount))
    redis.call('hdel', KEYS[1], 'h:' .. id)
  end
  redis.call('zrem', KEYS[2], id)
end
`;

const RESERVE = `${EXPIRE_HOLDS}
if redis.call('hexists', KEYS[1], 'spent') == 0 then return {-1, 0} end
local now = tonumber(ARGV[1])
for _, id in ipairs(redis.call('zrangebyscore', KEYS[2], '-inf', now)) do drop(id) end
local budget = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local used = tonumber(redis.call('hget', KEYS[1], 'spent')) + tonumber(redis.call('hget', KEYS[1], 'held') or '0')
if used >= budget or used + cost > budget then return {0, used} end
redis.call('hset', KEYS[1], 'h:' .. ARGV[4], ARGV[3])
redis.call('hincrby', KEYS[1], 'held', ARGV[3])
redis.call('zadd', KEYS[2], ARGV[5], ARGV[4])
redis.call('expire', KEYS[2], ARGV[6])
return {1, budget - used - cost}
`;

// The instance whose seed creates the counter also takes the pending cost, in the same script: a
// settle lands either in `pending` before this runs or on `spent` after it, never in neither.
// A seed that loses (another instance seeded first) changes nothing.
const SEED = `
if redis.call('hsetnx', KEYS[1], 'spent', ARGV[1]) == 1 then
  local pending = redis.call('hget', KEYS[1], 'pending')
  if pending then
    redis.call('hincrby', KEYS[1], 'spent', pending)
    redis.call('hdel', KEYS[1], 'pending')
  end
  redis.call('expire', KEYS[1], ARGV[2])
end
return 1
`;

// ARGV: cost, expiry seconds, hold ids. On a month not seeded yet the cost is kept as `pending`
// (the seed's database read may not see this uncommitted batch); it has no holds to drop then.
const SETTLE = `${EXPIRE_HOLDS}
for i = 3, #ARGV do drop(ARGV[i]) end
if redis.call('hexists', KEYS[1], 'spent') == 1 then
  redis.call('hincrby', KEYS[1], 'spent', ARGV[1])
elseif tonumber(ARGV[1]) ~= 0 then
  redis.call('hincrby', KEYS[1], 'pending', ARGV[1])
  redis.call('expire', KEYS[1], ARGV[2])
end
return 1
`;

/** Kept past the month's end by the dedup window, then Redis forgets it (the database never does). */
const KEEP_SECONDS = 70 * 86_400;

type Scripted = Redis & {
  tenancyReserve(hash: string, holds: string, ...args: (string | number)[]): Promise<[number, number]>;
  tenancySeed(hash: string, ...args: (string | number)[]): Promise<number>;
  tenancySettle(hash: string, holds: string, ...args: (string | number)[]): Promise<number>;
};

export class RedisBudgets implements Budgets {
  private readonly redis: Scripted;

  constructor(
    client: Redis,
    private readonly prefix: string,
  ) {
    client.defineCommand("tenancyReserve", { numberOfKeys: 2, lua: RESERVE });
    client.defineCommand("tenancySeed", { numberOfKeys: 1, lua: SEED });
    client.defineCommand("tenancySettle", { numberOfKeys: 2, lua: SETTLE });
    this.redis = client as Scripted;
  }

  /** The hash and the expiry set; the braces keep both in one Redis Cluster slot. */
  private keys(projectId: string, month: string): [string, string] {
    const tag = `{${projectId}:${month}}`;
    return [`${this.prefix}budget:${tag}`, `${this.prefix}holds:${tag}`];
  }

  async reserve(r: Reservation, nowMs: number): Promise<ReserveResult> {
    const [hash, holds] = this.keys(r.projectId, r.month);
    const args = [nowMs, r.budgetMicros, r.costMicros, r.holdId, r.expiresAtMs, KEEP_SECONDS];
    let [status, amount] = await this.redis.tenancyReserve(hash, holds, ...args);
    if (status === -1) {
      await this.redis.tenancySeed(hash, await r.seed(), KEEP_SECONDS);
      [status, amount] = await this.redis.tenancyReserve(hash, holds, ...args);
    }
    return status === 1 ? { ok: true, remainingMicros: Number(amount) } : { ok: false, usedMicros: Number(amount) };
  }

  async settle(projectId: string, month: string, costMicros: number, holdIds: string[]): Promise<void> {
    await this.redis.tenancySettle(...this.keys(projectId, month), costMicros, KEEP_SECONDS, ...holdIds);
  }

  async close(): Promise<void> {}
}
