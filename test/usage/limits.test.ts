import assert from "node:assert/strict";
import { DIALECTS, startBackend } from "../support/backend";
import { expectStatus, useBackend } from "../backend/helpers";
import { createProject, eventId, eventually, micros, refusalTests, tenant, Tenant } from "./support";

/** The limits engine in one process (no TENANCY_REDIS_URL); redis.test.ts runs it shared. */
for (const dialect of DIALECTS) {
  describe(`limits in process (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect });
    let t: Tenant;
    before(async () => {
      t = await tenant(backend, { dev: { requestsPerMinute: 5 }, prod: { requestsPerMinute: 5 } });
    });

    it("lets a burst of 10× the dev project's RPM through only up to its limit and leaves prod's headroom untouched", async () => {
      const answers = await Promise.all(Array.from({ length: 50 }, () => t.projects.dev.gateway.authorize({ model: "gpt-4o" })));
      const refused = answers.filter((r) => r.status === 429);
      assert.equal(answers.filter((r) => r.status === 200).length, 5);
      assert.equal(refused.length, 45);
      for (const r of refused) {
        assert.equal(r.body.code, "limit_exceeded");
        assert.equal(r.body.limit, "requestsPerMinute");
        assert.ok(Number(r.headers["retry-after"]) >= 1 && Number(r.headers["retry-after"]) <= 60, r.headers["retry-after"]);
        assert.equal(r.body.detail, `requestsPerMinute exceeded: 5 requests per minute; retry after ${r.headers["retry-after"]} s`);
      }
      const prod = expectStatus(await t.projects.prod.gateway.authorize({ model: "gpt-4o" }), 200);
      assert.equal(prod.limits.requestsPerMinute.remaining, 4);
      // Only the limits the project has: no headroom for a limit it does not set.
      assert.deepEqual(Object.keys(prod.limits), ["requestsPerMinute"]);
    });

    it("counts tokens per minute from the estimate and corrects them when usage reports the real count", async () => {
      const p = await createProject(backend, t.root, t.orgId, "tpm", { tokensPerMinute: 1000 });
      const first = expectStatus(await p.gateway.authorize({ model: "gpt-4o-mini", inputTokens: 100, maxOutputTokens: 500 }), 200);
      assert.equal(first.limits.tokensPerMinute.remaining, 400);
      assert.deepEqual(Object.keys(first.limits), ["tokensPerMinute"]);
      const refused = await p.gateway.authorize({ model: "gpt-4o-mini", inputTokens: 100, maxOutputTokens: 500 });
      const over = expectStatus(refused, 429);
      assert.equal(over.limit, "tokensPerMinute");
      const retry = Number(refused.headers["retry-after"]);
      assert.ok(retry >= 1 && retry <= 60, refused.headers["retry-after"]);
      assert.equal(over.detail, `tokensPerMinute exceeded: 1000 tokens per minute; retry after ${retry} s`);
      // The request used 100 tokens, not 600: the window gets 500 back.
      const events = [{ eventId: eventId(), model: "gpt-4o-mini", inputTokens: 60, outputTokens: 40, reservationId: first.reservationId }];
      expectStatus(await p.gateway.usage(events), 200);
      const again = expectStatus(await p.gateway.authorize({ model: "gpt-4o-mini", inputTokens: 100, maxOutputTokens: 500 }), 200);
      assert.equal(again.limits.tokensPerMinute.remaining, 300);
    });

    it("reserves the cost estimate against the monthly budget and settles it at the real cost", async () => {
      // 0.01 USD: exactly 1,000 gpt-4o output tokens.
      const p = await createProject(backend, t.root, t.orgId, "budget", { monthlyBudgetUsd: 0.01 });
      const first = expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 }), 200);
      assert.deepEqual(first.limits.monthlyBudgetUsd.limit, "0.010000");
      assert.deepEqual(first.limits.monthlyBudgetUsd.remaining, "0.000000");
      const refused = await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 10 });
      assert.equal(expectStatus(refused, 429).limit, "monthlyBudgetUsd");
      assert.equal(refused.body.detail.split(";")[0], "monthlyBudgetUsd exceeded: 0.010000 of 0.010000 USD used or reserved this month");
      // Only the first request's hold keeps it out: that is reported or lapses within the hold time.
      assert.equal(refused.headers["retry-after"], "300");
      // It used 100 output tokens (0.001 USD): 0.009 USD is free again.
      expectStatus(await p.gateway.usage([{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 100, reservationId: first.reservationId }]), 200);
      // Recorded spend keeps this one out: until the month ends.
      const spent = await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 });
      expectStatus(spent, 429);
      const now = new Date();
      const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
      assert.ok(Math.abs(Number(spent.headers["retry-after"]) - (monthEnd - Date.now()) / 1000) < 120, spent.headers["retry-after"]);
      const fits = expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 900 }), 200);
      assert.equal(fits.limits.monthlyBudgetUsd.remaining, "0.000000");
    });

    it("applies a lowered limit within a second", async () => {
      const p = await createProject(backend, t.root, t.orgId, "lowered", { requestsPerMinute: 1000 });
      for (let i = 0; i < 3; i++) expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200);
      expectStatus(await t.root.patch(`/v1/organizations/${t.orgId}/projects/${p.id}`, { limits: { requestsPerMinute: 2 } }), 200);
      const deadline = Date.now() + 1000;
      await eventually(async () => (await p.gateway.authorize({ model: "gpt-4o" })).status === 429, "the lowered limit refused");
      assert.ok(Date.now() <= deadline, "refused within one second");
    });

    it("keeps spend within the budget under 32 concurrent authorize + usage loops", async () => {
      const p = await createProject(backend, t.root, t.orgId, "concurrent", { monthlyBudgetUsd: 0.05 });
      let admitted = 0;
      const loop = async (n: number) => {
        for (let i = 0; i < 6; i++) {
          const a = await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 300 });
          if (a.status !== 200) continue;
          admitted++;
          const events = [{ eventId: `c-${n}-${i}`, model: "gpt-4o", inputTokens: 0, outputTokens: 300, reservationId: a.body.reservationId }];
          expectStatus(await p.gateway.usage(events), 200);
        }
      };
      await Promise.all(Array.from({ length: 32 }, (_, n) => loop(n)));
      const inv = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${new Date().toISOString().slice(0, 7)}`), 200).data[0];
      const spent = inv.lines.filter((l: any) => l.projectId === p.id).reduce((s: number, l: any) => s + micros(l.costUsd), 0);
      // Each request costs 0.003 USD: 16 fit in 0.05 USD.
      assert.equal(admitted, 16);
      assert.equal(spent, 48_000);
    });

    it("lets an unsettled reservation lapse on its own (a killed gateway leaks nothing for ever)", async () => {
      const lapsing = await startBackend({ dialect, env: { TENANCY_RESERVATION_TTL_SECONDS: "1" } });
      try {
        const p = (await tenant(lapsing, { lapse: { monthlyBudgetUsd: 0.01 } })).projects.lapse;
        expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 }), 200);
        assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 }), 429).limit, "monthlyBudgetUsd");
        // TENANCY_RESERVATION_TTL_SECONDS=1 here: the hold expires and the budget is whole again.
        await eventually(async () => (await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 })).status === 200, "the hold lapsed");
      } finally {
        await lapsing.dispose();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`limit refusals in process (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect });
    refusalTests(() => backend);
  });
}
