import type { FastifyReply } from "fastify";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { TenancyError } from "../../schema/errors";

/**
 * Requests per principal per minute: a user or service account (whatever token it uses), an API
 * key on the data plane, or the client address for unauthenticated callers. Each key has its own
 * window that expires on its own (rate-limiter-flexible's in-memory store); nothing ever clears
 * every window at once. Each instance counts on its own: this protects one instance from a runaway
 * client, the data plane's project limits are the exact, shared ones. Answers carry the IETF
 * draft headers RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset, and a 429 Retry-After.
 */
export class RateLimiter {
  private readonly limiter?: RateLimiterMemory;

  constructor(private readonly perMinute: number) {
    if (perMinute > 0) this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  }

  async check(key: string, reply: FastifyReply): Promise<void> {
    if (!this.limiter) return;
    let res: RateLimiterRes;
    let refused = false;
    try {
      res = await this.limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      res = rejection;
      refused = true;
    }
    const reset = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    reply.header("ratelimit-limit", String(this.perMinute));
    reply.header("ratelimit-remaining", String(Math.max(0, res.remainingPoints)));
    reply.header("ratelimit-reset", String(reset));
    if (refused) {
      throw new TenancyError("rate_limited", `more than ${this.perMinute} requests in a minute from this caller; retry after ${reset} s`, { retryAfterSeconds: reset });
    }
  }
}
