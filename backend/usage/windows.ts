import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/**
 * Per-project one-minute windows (requests and tokens) on rate-limiter-flexible: in process, or in
 * Redis shared by every instance. The library's own cap is set out of reach and the project's
 * limit compared by us, because limits change at run time (a lowered limit holds within a second)
 * while a limiter's points are fixed at construction. If Redis fails, the windows fall back to an
 * in-process insurance limiter: a request limit degrades to per instance, it does not stop traffic.
 *
 * A window is fixed: it opens at its first count and ends `seconds` later, and the next one opens
 * at the next count after that. So two windows of one project end at least `seconds` apart, and a
 * window is known again by its end (within half a window, which absorbs clocks and rounding).
 */
export interface WindowState {
  consumed: number;
  resetAt: Date;
}

const OUT_OF_REACH = Number.MAX_SAFE_INTEGER;
export const WINDOW_SECONDS = 60;

/**
 * In process, a credit is given only to a window with more than this left: reading the window and
 * crediting it are two calls, and a credit that arrived after the window ended would open the next
 * window below zero.
 */
const CREDIT_MARGIN_MS = 250;

/**
 * Lua for the Redis form of a window (an integer that expires `seconds` after its first count),
 * shared by the scripts that count in one round trip (admission.redis.ts, reservations.redis.ts).
 * `add` counts into the current window, opening one if none is; `window_end` is when the current
 * window ends on Redis's clock (ms), or nil.
 */
export const WINDOW_LUA = `
local function add(key, amount, seconds)
  redis.call('set', key, 0, 'EX', seconds, 'NX')
  local consumed = redis.call('incrby', key, amount)
  local ttl = redis.call('pttl', key)
  if ttl == -1 then
    redis.call('expire', key, seconds)
    ttl = 1000 * seconds
  end
  return consumed, ttl
end
local function window_end(key)
  local ttl = redis.call('pttl', key)
  if ttl < 0 then return nil end
  local t = redis.call('time')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttl
end
`;

export class Window {
  private readonly limiter: RateLimiterMemory | RateLimiterRedis;

  constructor(
    name: string,
    redis?: { client: Redis; prefix: string },
    /** The window's length; a minute but in tests that need windows to end. */
    readonly seconds = WINDOW_SECONDS,
  ) {
    const base = { points: OUT_OF_REACH, duration: seconds, keyPrefix: `${redis?.prefix ?? ""}${name}` };
    this.limiter = redis
      ? new RateLimiterRedis({ ...base, storeClient: redis.client, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(base) })
      : new RateLimiterMemory(base);
  }

  /**
   * The project's counter in Redis (a fixed window: an integer that expires `seconds` after its
   * first count), for the scripts that count in one round trip; undefined in process.
   */
  redisKey(projectId: string): string | undefined {
    return this.limiter instanceof RateLimiterRedis ? this.limiter.getKey(projectId) : undefined;
  }

  /** Adds `amount` to the project's current window and returns the window's total. */
  async add(projectId: string, amount: number, now: number): Promise<WindowState> {
    const res = await this.limiter.consume(projectId, amount);
    return state(res, now);
  }

  async read(projectId: string, now: number): Promise<WindowState> {
    const res = await this.limiter.get(projectId);
    return res ? state(res, now) : { consumed: 0, resetAt: new Date(now + this.seconds * 1000) };
  }

  /** Charges more (positive) to the current window, opening one if none is; or gives back (negative). */
  async adjust(projectId: string, delta: number): Promise<void> {
    if (delta > 0) await this.limiter.penalty(projectId, delta);
    if (delta < 0) await this.limiter.reward(projectId, -delta);
  }

  /** Whether the project's current window is the one that ends at `endsAtMs`. */
  isCurrent(current: Date | undefined, endsAtMs: number): boolean {
    return current !== undefined && Math.abs(current.getTime() - endsAtMs) < (this.seconds * 1000) / 2;
  }

  /**
   * In process: when the project's current window ends, or undefined when none is open (or it is
   * too close to its end to be credited safely, see CREDIT_MARGIN_MS).
   */
  async creditableEnd(projectId: string): Promise<Date | undefined> {
    const res = await this.limiter.get(projectId);
    return res && res.msBeforeNext > CREDIT_MARGIN_MS ? new Date(Date.now() + res.msBeforeNext) : undefined;
  }
}

function state(res: RateLimiterRes, now: number): WindowState {
  return { consumed: res.consumedPoints, resetAt: new Date(now + res.msBeforeNext) };
}
