import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { TenancyError } from "../../schema/errors";
import { RedisAdmission } from "../../backend/usage/admission.redis";
import { RedisBudgets } from "../../backend/usage/budgets.redis";
import { AdmitRequest, LimitsEngine, ProjectLimits } from "../../backend/usage/limits";
import { RedisReservations } from "../../backend/usage/reservations.redis";
import { Window } from "../../backend/usage/windows";
import { REDIS_URL, redisPrefix } from "./support";

/**
 * The one-script admission (admission.redis.ts) against the step-by-step path it stands in for:
 * the same sequence of requests, each engine on a Redis prefix of its own, must get the same
 * answers (headroom or refusal), and a seeded authorize must cost Redis one command.
 */

function engine(client: Redis, atomic: boolean): LimitsEngine {
  const prefix = redisPrefix();
  const shared = { client, prefix };
  const [requests, tokens] = [new Window("rpm:", shared), new Window("tpm:", shared)];
  const budgets = new RedisBudgets(client, prefix);
  const reservations = new RedisReservations(client, prefix, tokens);
  const fail = (err: unknown) => assert.fail(`limits store failed: ${String(err)}`);
  return new LimitsEngine(requests, tokens, budgets, reservations, 60_000, fail, atomic ? new RedisAdmission(client, requests, tokens, budgets, reservations) : undefined);
}

/** What a client sees of one admission: the remaining headroom, or the refusal's code, limit and wording. */
async function answer(e: LimitsEngine, r: AdmitRequest): Promise<unknown> {
  try {
    const a = await e.admit(r);
    return Object.fromEntries(Object.entries(a.limits).map(([name, h]) => [name, { limit: h.limit, remaining: h.remaining }]));
  } catch (err) {
    if (!(err instanceof TenancyError)) throw err;
    // The retry time depends on when each window opened; the rest must match exactly.
    return { code: err.code, limit: err.extras.limit, detail: err.message.replace(/retry after \d+ s$/, "") };
  }
}

async function evalCalls(client: Redis): Promise<number> {
  const stats = await client.info("commandstats");
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe("authorize in one Redis script", () => {
  let client: Redis;
  before(function () {
    if (!REDIS_URL) {
      console.log("      pending: TENANCY_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)");
      this.skip();
    }
    client = new Redis(REDIS_URL);
  });
  after(() => client?.disconnect());

  it("answers every request as the step-by-step path does: windows, budget, and the refunds of a refusal", async () => {
    const [atomic, stepwise] = [engine(client, true), engine(client, false)];
    const projectId = `p-${randomBytes(4).toString("hex")}`;
    const now = new Date();
    const limits: ProjectLimits = { requestsPerMinute: 6, tokensPerMinute: 1000, monthlyBudgetUsd: 0.001 };
    // Cost in micro-USD against a budget of 1,000: the fourth request does not fit, the budget
    // refusal gives its tokens and its request count back, a request over the tokens window gives
    // them back too, a token-free request is judged on the window as it stands, and the ninth and
    // tenth are over the RPM (the two refused ones did not count).
    const steps: Array<Partial<AdmitRequest>> = [
      { tokens: 300, costMicros: 300 },
      { tokens: 300, costMicros: 300 },
      { tokens: 100, costMicros: 300 },
      { tokens: 100, costMicros: 300 },
      { tokens: 400, costMicros: 10 },
      { tokens: 0, costMicros: 10 },
      { tokens: 10, costMicros: 10 },
      { tokens: 10, costMicros: 10 },
      { tokens: 10, costMicros: 10 },
      { tokens: 10, costMicros: 10 },
    ];
    const seedSpend = async () => 0;
    for (const [i, step] of steps.entries()) {
      const r = { projectId, limits, now, tokens: 0, costMicros: 0, seedSpend, ...step };
      assert.deepEqual(await answer(atomic, r), await answer(stepwise, r), `step ${i}`);
    }
    // The sequence did reach every kind of refusal.
    const refusals = [];
    const fresh = engine(client, true);
    for (const step of steps) refusals.push(await answer(fresh, { projectId: `${projectId}-b`, limits, now, tokens: 0, costMicros: 0, seedSpend, ...step }));
    assert.deepEqual(
      refusals.map((a) => (a as { limit?: string }).limit).filter(Boolean),
      ["monthlyBudgetUsd", "tokensPerMinute", "requestsPerMinute", "requestsPerMinute"],
    );
  });

  it("costs Redis one command per authorize once the month is seeded, and none without limits", async () => {
    const e = engine(client, true);
    const projectId = `p-${randomBytes(4).toString("hex")}`;
    const r = { projectId, limits: { requestsPerMinute: 100, tokensPerMinute: 100_000, monthlyBudgetUsd: 10 }, now: new Date(), tokens: 50, costMicros: 20, seedSpend: async () => 0 };
    await e.admit(r); // seeds the month: three commands, once
    const before = await evalCalls(client);
    for (let i = 0; i < 5; i++) await e.admit(r);
    assert.equal((await evalCalls(client)) - before, 5);
    // A project without limits does not ask Redis at all.
    await e.admit({ ...r, limits: {} });
    assert.equal((await evalCalls(client)) - before, 5);
  });
});
