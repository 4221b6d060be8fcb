import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { TenancyError } from "../../schema/errors";
import { RedisAdmission } from "../../backend/usage/admission.redis";
import { MemoryBudgets } from "../../backend/usage/budgets";
import { RedisBudgets } from "../../backend/usage/budgets.redis";
import { LimitsEngine } from "../../backend/usage/limits";
import { MemoryReservations } from "../../backend/usage/reservations";
import { RedisReservations } from "../../backend/usage/reservations.redis";
import { Window } from "../../backend/usage/windows";
import { DIALECTS } from "../support/backend";
import { editStore, expectStatus, sqlQuery, useBackend } from "../backend/helpers";
import { createProject, eventId, eventually, Project, REDIS_URL, redisPrefix, tenant, Tenant } from "./support";

/**
 * What settling may give back, on both stores, in process and in Redis: a reservation's estimate
 * is credited once, only for a reservation authorize issued to the project, and only to the
 * window it was charged to; a budget removed and set again still sees the month's spend.
 */
const NO_REDIS = "TENANCY_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)";
const LIMIT_STORES: { name: string; missing?: string; env: () => Record<string, string> }[] = [
  { name: "in process", env: () => ({}) },
  { name: "Redis", missing: REDIS_URL ? undefined : NO_REDIS, env: () => ({ TENANCY_REDIS_URL: REDIS_URL!, TENANCY_REDIS_PREFIX: redisPrefix() }) },
];

const MODEL = "gpt-4o-mini";
/** One event of `tokens` input tokens, naming `reservationId`. */
const used = (p: Project, tokens: number, reservationId?: string) => p.gateway.usage([{ eventId: eventId(), model: MODEL, inputTokens: tokens, outputTokens: 0, reservationId }]);
const ask = (p: Project, inputTokens: number) => p.gateway.authorize({ model: MODEL, inputTokens });

for (const dialect of DIALECTS) {
  for (const limits of LIMIT_STORES) {
    describe(`settling reservations and budgets (${dialect.name}, limits ${limits.name})`, () => {
      if (limits.missing) {
        it(`pending: ${limits.missing}`);
        return;
      }
      const { backend } = useBackend({ dialect, env: limits.env() });
      let t: Tenant;
      before(async () => {
        t = await tenant(backend, { other: { tokensPerMinute: 1000 } });
      });

      it("credits a reservation's token estimate once, however many batches name it", async () => {
        const p = await createProject(backend, t.root, t.orgId, "tpm-once", { tokensPerMinute: 1000 });
        const { reservationId } = expectStatus(await ask(p, 1000), 200);
        for (let i = 0; i < 5; i++) expectStatus(await used(p, 0, reservationId), 200);
        assert.equal(expectStatus(await ask(p, 1000), 200).limits.tokensPerMinute.remaining, 0);
        assert.equal(expectStatus(await ask(p, 1), 429).limit, "tokensPerMinute");
      });

      it("refuses a reservation authorize did not issue, and settles another project's for that project only", async () => {
        const p = await createProject(backend, t.root, t.orgId, "tpm-forged", { tokensPerMinute: 1000 });
        const other = t.projects.other;
        const ours = expectStatus(await ask(p, 1000), 200).reservationId;
        const theirs = expectStatus(await ask(other, 1000), 200).reservationId;
        // A forged id, a hold of our form never issued, and our hold sealed for another key.
        const forged = ["res_2026-11_zzzzzzzz_forged", `res_${"f".repeat(32)}`, ours.replace(p.keyId, other.keyId)];
        for (const id of forged) assert.equal(expectStatus(await used(p, 0, id), 400).errors[0].path, "events[0].reservationId");
        // The reservation says whose request it was: reported for p, it settles (and credits) the other project.
        expectStatus(await used(p, 0, theirs), 200);
        assert.equal(expectStatus(await ask(p, 1), 429).limit, "tokensPerMinute");
        assert.equal(expectStatus(await ask(other, 1000), 200).limits.tokensPerMinute.remaining, 0);
      });

      it("keeps spend within a budget removed and set again in the same month", async () => {
        const p = await createProject(backend, t.root, t.orgId, "budget-again", { monthlyBudgetUsd: 1 });
        const setBudget = async (usd: number | null) =>
          expectStatus(await t.root.patch(`/v1/organizations/${t.orgId}/projects/${p.id}`, { limits: { monthlyBudgetUsd: usd } }), 200);
        const budgetSeen = async () => {
          const a = await p.gateway.authorize({ model: "gpt-4o" });
          return a.status === 429 || a.body.limits.monthlyBudgetUsd !== undefined;
        };
        // 0.50 USD (50,000 gpt-4o output tokens) spent under the budget: its counter holds it.
        const a = expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 50_000 }), 200);
        expectStatus(await p.gateway.usage([{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 50_000, reservationId: a.reservationId }]), 200);
        await setBudget(null);
        await eventually(async () => !(await budgetSeen()), "the budget is gone");
        // 10.25 USD spent while the project has no budget.
        expectStatus(await p.gateway.usage([{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 1_025_000 }]), 200);
        await setBudget(1);
        await eventually(budgetSeen, "the budget is back");
        const refused = await p.gateway.authorize({ model: "gpt-4o" });
        assert.equal(expectStatus(refused, 429).limit, "monthlyBudgetUsd");
        assert.equal(refused.body.detail.split(";")[0], "monthlyBudgetUsd exceeded: 10.750000 of 1.000000 USD used or reserved this month");
      });

      it("reads a budget stored with more than 6 decimals (before the schema refused them) to the micro-USD below, not as 0", async () => {
        const p = await createProject(backend, t.root, t.orgId, "odd-budget", { monthlyBudgetUsd: 5 });
        const fields = JSON.parse((await sqlQuery(backend, "select fields from projects where id = $1", [p.id]))[0].fields);
        fields.limits.monthlyBudgetUsd = 5.1234567;
        await editStore(backend, "update projects set fields = $1 where id = $2", [JSON.stringify(fields), p.id]);
        const body = expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 100 }), 200);
        assert.deepEqual({ limit: body.limits.monthlyBudgetUsd.limit, remaining: body.limits.monthlyBudgetUsd.remaining }, { limit: "5.123456", remaining: "5.122456" });
      });
    });
  }
}

/**
 * Correcting a reservation after its window ended, on the engine as usage.runtime.ts wires it,
 * with windows of two seconds (a minute's in production) so that one ends during the test.
 */
const WINDOW = 2;
const ENGINES: { name: string; missing?: string; open: () => { engine: LimitsEngine; dispose(): Promise<void> } }[] = [
  {
    name: "in process",
    open: () => {
      const tokens = new Window("tpm:", undefined, WINDOW);
      const engine = new LimitsEngine(new Window("rpm:", undefined, WINDOW), tokens, new MemoryBudgets(), new MemoryReservations(tokens), 60_000, (err) => assert.fail(String(err)));
      return { engine, dispose: async () => undefined };
    },
  },
  {
    name: "Redis",
    missing: REDIS_URL ? undefined : NO_REDIS,
    open: () => {
      const client = new Redis(REDIS_URL!);
      const prefix = redisPrefix();
      const shared = { client, prefix };
      const [requests, tokens] = [new Window("rpm:", shared, WINDOW), new Window("tpm:", shared, WINDOW)];
      const [budgets, reservations] = [new RedisBudgets(client, prefix), new RedisReservations(client, prefix, tokens)];
      const atomic = new RedisAdmission(client, requests, tokens, budgets, reservations);
      const engine = new LimitsEngine(requests, tokens, budgets, reservations, 60_000, (err) => assert.fail(String(err)), atomic);
      return { engine, dispose: async () => client.disconnect() };
    },
  },
];

for (const store of ENGINES) {
  describe(`a reservation settled after its window ended (limits ${store.name})`, () => {
    let engine: LimitsEngine;
    let dispose: () => Promise<void>;
    before(function () {
      if (store.missing) {
        console.log(`      pending: ${store.missing}`);
        this.skip();
      }
      ({ engine, dispose } = store.open());
    });
    after(() => dispose?.());

    const limits = { tokensPerMinute: 10_000 };
    const request = (projectId: string, tokens: number) => ({ projectId, limits, tokens, costMicros: 0, now: new Date(), seedSpend: async () => 0 });
    const admitted = async (projectId: string, tokens: number) => (await engine.admit(request(projectId, tokens))).limits.tokensPerMinute!;
    const refused = async (projectId: string, tokens: number) =>
      assert.rejects(engine.admit(request(projectId, tokens)), (err: TenancyError) => err.extras.limit === "tokensPerMinute");
    const settle = (projectId: string, reservationId: string, tokens: number) =>
      engine.settle({ projectId, costByMonth: new Map(), tokensByReservation: new Map([[reservationId, tokens]]), unreservedTokens: 0 }, limits);
    const windowEnds = (resetAt: string) => new Promise((r) => setTimeout(r, Date.parse(resetAt) - Date.now() + 100));

    it("credits nothing to the window open now: a batching gateway gets no more than the limit", async () => {
      const projectId = `p-${randomBytes(4).toString("hex")}`;
      const first = await engine.admit(request(projectId, 10_000));
      await windowEnds(first.limits.tokensPerMinute!.resetAt);
      assert.equal((await admitted(projectId, 10_000)).remaining, 0);
      // 5,000 of the first window's 10,000 were used; that window is gone.
      await settle(projectId, first.reservationId, 5000);
      await refused(projectId, 5000);
    });

    it("charges the current window only with what was used beyond the estimate", async () => {
      const projectId = `p-${randomBytes(4).toString("hex")}`;
      const first = await engine.admit(request(projectId, 1000));
      await windowEnds(first.limits.tokensPerMinute!.resetAt);
      await settle(projectId, first.reservationId, 3000);
      assert.equal((await admitted(projectId, 8000)).remaining, 0);
      await refused(projectId, 1);
    });
  });
}
