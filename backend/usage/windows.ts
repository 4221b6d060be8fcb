import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/**
 * Per-project one-minute windows (requests and tokens) on rate-limiter-flexible: in process, or in
 * Redis shared by every instance. The library's own cap is set out of reach and the project's
 * limit compared by us, because limits change at run time (a lowered limit holds within a second)
 * while a limiter's points are fixed at construction. If Redis fails, the windows fall back to an
 * in-process insurance limiter: a request limit degrades to per instance, it does not stop traffic.
 */
export interface WindowState {
  consumed: number;
  resetAt: Date;
}

const OUT_OF_REACH = Number.MAX_SAFE_INTEGER;
export const WINDOW_SECONDS = 60;

export class Window {
  private readonly limiter: RateLimiterMemory | RateLimiterRedis;

  constructor(name: string, redis?: { client: Redis; prefix: string }) {
    const base = { points: OUT_OF_REACH, duration: WINDOW_SECONDS, keyPrefix: `${redis?.prefix ?? ""}${name}` };
    this.limiter = redis
      ? new RateLimiterRedis({ ...base, storeClient: redis.client, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(base) })
      : new RateLimiterMemory(base);
  }

  /**
   * The project's counter in Redis (a fixed window: an integer that expires WINDOW_SECONDS after
   * its first count), for the one-script admission in admission.redis.ts; undefined in process.
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
    return res ? state(res, now) : { consumed: 0, resetAt: new Date(now + WINDOW_SECONDS * 1000) };
  }

  /** Gives back (negative) or charges more (positive) once the real count is known. */
  async adjust(projectId: string, delta: number): Promise<void> {
    if (delta > 0) await this.limiter.penalty(projectId, delta);
    if (delta < 0) await this.limiter.reward(projectId, -delta);
  }
}

function state(res: RateLimiterRes, now: number): WindowState {
  return { consumed: res.consumedPoints, resetAt: new Date(now + res.msBeforeNext) };
}
