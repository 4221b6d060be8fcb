import type { Redis } from "ioredis";
import { Budgets, Reservation, ReserveResult, sharedSeed } from "./budgets";

/**
 * Budgets shared by every instance: per project and month a Redis hash (`spent`, `held`,
 * `h:<holdId>` = amount per live hold, and `pending` = cost settled before the month was seeded)
 * and a sorted set of hold expiries. Each call is one Lua script, so reading, expiring and adding
 * holds is atomic across instances; expiring reads only the holds that are due, so a reserve costs
 * the same with ten or a million holds outstanding. Why `pending` exists and what it may
 * over-count (never under-count): see the docstring of budgets.ts.
 */
/**
 * Lua shared by this file's scripts and the one-round-trip admission (admission.redis.ts): drop a
 * hold, and reserve against a seeded month (status -1: not seeded, 0: refused with the amount
 * used, 1: held with the amount remaining). Keys are parameters, so each script names its own.
 */
export const BUDGET_LUA = `
local function drop(hash, holds, id)
  local amount = redis.call('hget', hash, 'h:' .. id)
  if amount then
    redis.call('hincrby', hash, 'held', 0 - tonumber(amount))
    redis.call('hdel', hash, 'h:' .. id)
  end
  redis.call('zrem', holds, id)
end
local function reserve(hash, holds, now, budget, cost, hold, expiresAt, keep)
  if redis.call('hexists', hash, 'spent') == 0 then return -1, 0, 0 end
  for _, id in ipairs(redis.call('zrangebyscore', holds, '-inf', now)) do drop(hash, holds, id) end
  local held = tonumber(redis.call('hget', hash, 'held') or '0')
  local used = tonumber(redis.call('hget', hash, 'spent')) + held
  if used >= budget or used + cost > budget then return 0, used, held end
  redis.call('hset', hash, 'h:' .. hold, cost)
  redis.call('hincrby', hash, 'held', cost)
  redis.call('zadd', holds, expiresAt, hold)
  redis.call('expire', holds, keep)
  return 1, budget - used - cost, 0
end
`;

const RESERVE = `${BUDGET_LUA}
local status, amount, held = reserve(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6])
return {status, amount, held}
`;

// The instance whose seed creates the counter also takes the pending cost, in the same script: a
// settle lands either in `pending` before this runs or on `spent` after it, never in neither.
// A seed that loses (another instance seeded first) changes nothing. `from` is when its database
// read began: a retried settle whose batch had committed by then is in `spent` already.
const SEED = `
if redis.call('hsetnx', KEYS[1], 'spent', ARGV[1]) == 1 then
  redis.call('hset', KEYS[1], 'from', ARGV[3])
  local pending = redis.call('hget', KEYS[1], 'pending')
  if pending then
    redis.call('hincrby', KEYS[1], 'spent', pending)
    redis.call('hdel', KEYS[1], 'pending')
  end
  redis.call('expire', KEYS[1], ARGV[2])
end
return 1
`;

// ARGV: cost, expiry seconds, 1 to keep the cost of an unseeded month, the time a retried
// settle's batch had committed by (0: a settle before its commit), hold ids. On a month not
// seeded yet the cost is kept as `pending` (the seed's database read may not see this
// uncommitted batch), or dropped for a project without a budget (budgets.ts says why); it has no
// holds to drop then. A retried settle is added only to a counter seeded before its batch
// committed: one seeded after (Redis lost its data meanwhile) or still to be seeded reads it
// from the database, and adding it too would count it twice.
const SETTLE = `${BUDGET_LUA}
for i = 5, #ARGV do drop(KEYS[1], KEYS[2], ARGV[i]) end
local committed = tonumber(ARGV[4])
if redis.call('hexists', KEYS[1], 'spent') == 1 then
  if committed == 0 or tonumber(redis.call('hget', KEYS[1], 'from') or '0') < committed then
    redis.call('hincrby', KEYS[1], 'spent', ARGV[1])
  end
elseif committed == 0 and ARGV[3] == '1' and tonumber(ARGV[1]) ~= 0 then
  redis.call('hincrby', KEYS[1], 'pending', ARGV[1])
  redis.call('expire', KEYS[1], ARGV[2])
end
return 1
`;

/** Kept past the month's end by the dedup window, then Redis forgets it (the database never does). */
export const KEEP_SECONDS = 70 * 86_400;

type Scripted = Redis & {
  tenancyReserve(hash: string, holds: string, ...args: (string | number)[]): Promise<[number, number, number]>;
  tenancySeed(hash: string, ...args: (string | number)[]): Promise<number>;
  tenancySettle(hash: string, holds: string, ...args: (string | number)[]): Promise<number>;
};

export class RedisBudgets implements Budgets {
  private readonly redis: Scripted;
  /** Seeds in flight on this instance, by project and month. */
  private readonly seeding = new Map<string, Promise<void>>();

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
  keys(projectId: string, month: string): [string, string] {
    const tag = `{${projectId}:${month}}`;
    return [`${this.prefix}budget:${tag}`, `${this.prefix}holds:${tag}`];
  }

  async reserve(r: Reservation, nowMs: number): Promise<ReserveResult> {
    const [hash, holds] = this.keys(r.projectId, r.month);
    const args = [nowMs, r.budgetMicros, r.costMicros, r.holdId, r.expiresAtMs, KEEP_SECONDS];
    let [status, amount, held] = await this.redis.tenancyReserve(hash, holds, ...args);
    if (status === -1) {
      await this.seed(r.projectId, r.month, r.seed);
      [status, amount, held] = await this.redis.tenancyReserve(hash, holds, ...args);
    }
    return status === 1 ? { ok: true, remainingMicros: Number(amount) } : { ok: false, usedMicros: Number(amount), heldMicros: Number(held) };
  }

  /**
   * Creates the month's counter at the spend `read` finds in the database, unless another seed
   * did. The requests of one instance that find the month unseeded together (a burst as a month
   * begins) share one read and one script call: a later one joining an earlier read is safe, since
   * whatever commits after that read waits as `pending` for the seed.
   */
  seed(projectId: string, month: string, read: () => Promise<number>): Promise<void> {
    return sharedSeed(this.seeding, `${projectId}:${month}`, async () => {
      const from = Date.now();
      await this.redis.tenancySeed(this.keys(projectId, month)[0], await read(), KEEP_SECONDS, from);
    });
  }

  async settle(projectId: string, month: string, costMicros: number, holdIds: string[], keepIfUnseeded: boolean, committedBy = 0): Promise<void> {
    await this.redis.tenancySettle(...this.keys(projectId, month), costMicros, KEEP_SECONDS, keepIfUnseeded ? 1 : 0, committedBy, ...holdIds);
  }

  async close(): Promise<void> {}
}
