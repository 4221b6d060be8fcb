import assert from "node:assert/strict";
import type { FastifyReply } from "fastify";
import { RateLimiter } from "../../backend/http/rate-limit";

/**
 * TENANCY_RATE_LIMIT_PER_MINUTE=0 turns the per-principal limit off: every request passes and
 * carries no RateLimit-* header (a header claiming a limit of 0 would tell clients to stop).
 */
describe("the per-principal rate limiter, turned off", () => {
  it("lets every request through without RateLimit headers", async () => {
    const limiter = new RateLimiter(0);
    const headers: Record<string, string> = {};
    // Only reply.header is used by check(); a recording stand-in is the whole reply it sees.
    const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) } as unknown as FastifyReply;
    for (let i = 0; i < 1000; i++) await limiter.check("usr_someone", reply);
    assert.deepEqual(headers, {});
  });
});
