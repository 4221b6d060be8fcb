import type { Redis } from "ioredis";
import { Hold, Reservation, Reservations, TokenUse } from "./reservations";
import { Window, WINDOW_LUA } from "./windows";

/**
 * Reservations shared by every instance: one Redis string per reservation, `<tokens> <window end
 * ms> <month or ->`, expiring on its own. Settling is one script: it takes each named reservation
 * (read and delete, so only one settle on any instance gets it) and moves the tokens window, all
 * atomically, so a credit cannot land in a window that ended between a read and a write. The rule
 * is `Reservations.settle`'s (reservations.ts); `tokenCorrection` there is its in-process twin.
 */

/** Lua that writes a reservation (also used by the one-script admission, admission.redis.ts). */
export const RESERVATION_LUA = `
local function reserve_record(key, tokens, ends, month, ttl)
  redis.call('set', key, tokens .. ' ' .. ends .. ' ' .. month, 'PX', ttl)
end
`;

// KEYS[1]: the tokens window; KEYS[2..]: the reservations named. ARGV[1]: 1 to move the window,
// ARGV[2]: its length (s), ARGV[3]: unreserved tokens, ARGV[i + 2]: the real tokens of KEYS[i].
// Returns, for each reservation that held budget, its position among KEYS[2..] and its month.
const SETTLE = `${WINDOW_LUA}
local seconds = tonumber(ARGV[2])
local current = window_end(KEYS[1])
local delta = tonumber(ARGV[3])
local holds = {}
for i = 2, #KEYS do
  local real = tonumber(ARGV[i + 2])
  local r = redis.call('get', KEYS[i])
  if r then
    redis.call('del', KEYS[i])
    local tokens, ends, month = string.match(r, '^(%d+) (%-?%d+) (%S+)$')
    tokens = tonumber(tokens)
    if month ~= '-' then
      table.insert(holds, i - 1)
      table.insert(holds, month)
    end
    if tokens == 0 then
      delta = delta + real
    elseif current and math.abs(current - tonumber(ends)) < seconds * 500 then
      delta = delta + real - tokens
    elseif real > tokens then
      delta = delta + real - tokens
    end
  else
    delta = delta + real
  end
end
if ARGV[1] == '1' then
  if delta > 0 then add(KEYS[1], delta, seconds) elseif delta < 0 then redis.call('incrby', KEYS[1], delta) end
end
return holds
`;

type Scripted = Redis & { tenancySettleReservations(...keysAndArgs: (string | number)[]): Promise<(number | string)[]> };

export class RedisReservations implements Reservations {
  private readonly redis: Scripted;

  constructor(
    client: Redis,
    private readonly prefix: string,
    private readonly tokens: Window,
  ) {
    client.defineCommand("tenancySettleReservations", { lua: SETTLE });
    this.redis = client as Scripted;
  }

  key(projectId: string, id: string): string {
    return `${this.prefix}reservation:${projectId}:${id}`;
  }

  async issue(projectId: string, id: string, r: Reservation, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(projectId, id), `${r.tokens} ${Math.round(r.windowEndsAtMs)} ${r.month ?? "-"}`, "PX", ttlMs);
  }

  async settle(projectId: string, use: TokenUse): Promise<Hold[]> {
    const ids = [...use.byReservation.keys()];
    const keys = [this.tokens.redisKey(projectId)!, ...ids.map((id) => this.key(projectId, id))];
    const args = [use.counted ? 1 : 0, this.tokens.seconds, use.unreserved, ...ids.map((id) => use.byReservation.get(id)!)];
    const held = await this.redis.tenancySettleReservations(keys.length, ...keys, ...args);
    const holds: Hold[] = [];
    for (let i = 0; i < held.length; i += 2) holds.push({ holdId: ids[Number(held[i]) - 1], month: String(held[i + 1]) });
    return holds;
  }
}
