import type { Redis } from "ioredis";
import type { Budgets, Reservation, ReserveResult } from "./budgets";

/**
 * Budgets shared by every instance: one Redis hash per project and month holding `spent` and one
 * `h:<holdId>` field per live hold ("cost:expiresAtMs"). Each call is one Lua script, so reading
 * the holds, dropping expired ones and adding a new one is atomic across instances.
 */
const RESERVE = `
if redis.call('hexists', KEYS[1], 'spent') == 0 then return {-1, 0} end
local now = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local used = tonumber(redis.call('hget', KEYS[1], 'spent'))
local all = redis.call('hgetall', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'h:' then
    local sep = string.find(all[i + 1], ':', 1, true)
    if tonumber(string.sub(all[i + 1], sep + 1)) <= now then
      redis.call('hdel', KEYS[1], all[i])
    else
      used = used + tonumber(string.sub(all[i + 1], 1, sep - 1))
    end
  end
end
if used >= budget or used + cost > budget then return {0, used} end
redis.call('hset', KEYS[1], 'h:' .. ARGV[4], ARGV[3] .. ':' .. ARGV[5])
return {1, budget - used - cost}
`;

const SEED = `
if redis.call('hsetnx', KEYS[1], 'spent', ARGV[1]) == 1 then redis.call('expire', KEYS[1], ARGV[2]) end
return 1
`;

// A counter the database has not seeded is left alone: the seed will read this cost from the store.
const SETTLE = `
for i = 2, #ARGV do redis.call('hdel', KEYS[1], 'h:' .. ARGV[i]) end
if redis.call('hexists', KEYS[1], 'spent') == 1 then redis.call('hincrby', KEYS[1], 'spent', ARGV[1]) end
return 1
`;

/** Kept past the month's end by the dedup window, then Redis forgets it (the database never does). */
const KEEP_SECONDS = 70 * 86_400;

type Scripted = Redis & {
  tenancyReserve(key: string, ...args: (string | number)[]): Promise<[number, number]>;
  tenancySeed(key: string, ...args: (string | number)[]): Promise<number>;
  tenancySettle(key: string, ...args: (string | number)[]): Promise<number>;
};

export class RedisBudgets implements Budgets {
  private readonly redis: Scripted;

  constructor(
    client: Redis,
    private readonly prefix: string,
  ) {
    client.defineCommand("tenancyReserve", { numberOfKeys: 1, lua: RESERVE });
    client.defineCommand("tenancySeed", { numberOfKeys: 1, lua: SEED });
    client.defineCommand("tenancySettle", { numberOfKeys: 1, lua: SETTLE });
    this.redis = client as Scripted;
  }

  private key(projectId: string, month: string): string {
    return `${this.prefix}budget:${projectId}:${month}`;
  }

  async reserve(r: Reservation, nowMs: number): Promise<ReserveResult> {
    const key = this.key(r.projectId, r.month);
    const args = [nowMs, r.budgetMicros, r.costMicros, r.holdId, r.expiresAtMs];
    let [status, amount] = await this.redis.tenancyReserve(key, ...args);
    if (status === -1) {
      await this.redis.tenancySeed(key, await r.seed(), KEEP_SECONDS);
      [status, amount] = await this.redis.tenancyReserve(key, ...args);
    }
    return status === 1 ? { ok: true, remainingMicros: Number(amount) } : { ok: false, usedMicros: Number(amount) };
  }

  async settle(projectId: string, month: string, costMicros: number, holdIds: string[]): Promise<void> {
    await this.redis.tenancySettle(this.key(projectId, month), costMicros, ...holdIds);
  }

  async close(): Promise<void> {}
}
