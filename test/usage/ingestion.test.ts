import assert from "node:assert/strict";
import { DIALECTS, startBackend } from "../support/backend";
import { expectStatus, sqlQuery, useBackend } from "../backend/helpers";
import { openStore } from "../../backend/store/db";
import { pruneExpired } from "../../backend/usage/ingestion";
import { createProject, eventId, REDIS_URL, redisPrefix, tenant, Tenant } from "./support";

const PER_SECOND = 1000;

const SETUPS = [undefined, ...(REDIS_URL ? [REDIS_URL] : [])].flatMap((redis) => DIALECTS.map((dialect) => ({ dialect, redis })));

for (const { dialect, redis } of SETUPS) {
  describe(`fair and bounded ingestion (${dialect.name}${redis ? " + Redis" : ""})`, () => {
    // Both projects report through the store's one gateway credential: its own limit (gateway.test.ts)
    // would refuse the calm project's reports while the flood fills the gateway's second. This
    // suite is about projects: one project's flood never refuses another's.
    const env: Record<string, string> = { TENANCY_USAGE_EVENTS_PER_SECOND: String(PER_SECOND), TENANCY_GATEWAY_EVENTS_PER_SECOND: "0" };
    if (redis) Object.assign(env, { TENANCY_REDIS_URL: redis, TENANCY_REDIS_PREFIX: redisPrefix() });
    const { backend } = useBackend({ dialect, env });
    let t: Tenant;
    before(async () => {
      t = await tenant(backend, { flood: {}, calm: { requestsPerMinute: 1_000_000, monthlyBudgetUsd: 1000 } });
    });

    it("refuses a project's flood past its events per second with 429 naming the limit, and never refuses another project", async () => {
      const { flood, calm } = t.projects;
      const batch = () => Array.from({ length: 400 }, () => ({ eventId: eventId("flood"), model: "gpt-4o-mini", inputTokens: 10, outputTokens: 10 }));
      const refusals: any[] = [];
      let accepted = 0;
      let flooding = true;
      // Four connections flooding: 20 batches of 400 each, far more than 1,000 events a second.
      const floods = Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 20; i++) {
          const res = await flood.gateway.usage(batch());
          if (res.status === 429) refusals.push({ ...res.body, retryAfter: res.headers["retry-after"] });
          else accepted += expectStatus(res, 200).accepted;
        }
      });
      const calmStatuses = new Set<number>();
      let calmCalls = 0;
      const calmLoop = (async () => {
        while (flooding || calmCalls < 20) {
          calmStatuses.add((await calm.gateway.authorize({ model: "gpt-4o-mini", inputTokens: 10, maxOutputTokens: 10 })).status);
          calmStatuses.add((await calm.gateway.usage([{ eventId: eventId("calm"), model: "gpt-4o-mini", inputTokens: 10, outputTokens: 10 }])).status);
          calmCalls++;
        }
      })();
      await Promise.all(floods);
      flooding = false;
      await calmLoop;

      assert.ok(refusals.length > 0, "the flood was never refused");
      const detail = `usageEventsPerSecond exceeded: a project reports at most ${PER_SECOND} usage events per second and this batch of 400 would pass it; nothing in it was recorded; retry after 1 s`;
      for (const r of refusals) assert.deepEqual([r.status, r.code, r.limit, r.detail, r.retryAfter], [429, "rate_limited", "usageEventsPerSecond", detail, "1"]);
      assert.deepEqual([...calmStatuses], [200]);
      // Refused batches left nothing behind: the month holds exactly what was accepted.
      const month = new Date().toISOString().slice(0, 7);
      const lines = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month}`), 200).data[0].lines;
      assert.equal(lines.find((l: any) => l.projectId === flood.id).inputTokens, accepted * 10);
      assert.equal(accepted + refusals.length * 400, 4 * 20 * 400);
    });

    it("prunes raw events past the retention in bounded steps, keeping rollups and invoices", async () => {
      const p = await createProject(backend, t.root, t.orgId, "retained");
      const events = Array.from({ length: 20 }, (_, i) => ({ eventId: `r-${i}`, model: "gpt-4o", inputTokens: 1000, outputTokens: 1000 }));
      expectStatus(await p.gateway.usage(events), 200);
      const month = new Date().toISOString().slice(0, 7);
      const invoice = async () => expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month}`), 200).data;
      const before = await invoice();
      // Age 15 of them past a 35-day retention, as time would.
      const old = new Date(Date.now() - 36 * 86_400_000).toISOString();
      await sqlQuery(backend, "update usage_events set at = $1 where project_id = $2 and event_id not in ('r-0', 'r-1', 'r-2', 'r-3', 'r-4')", [old, p.id]);
      const store = openStore(backend.databaseUrl);
      try {
        // Statements of at most 4 rows: 4, 4, 4 and 3.
        assert.equal(await pruneExpired(store.db, new Date(), 35, 4), 15);
        assert.equal(await pruneExpired(store.db, new Date(), 35, 4), 0);
      } finally {
        await store.close();
      }
      const left = await sqlQuery(backend, "select event_id from usage_events where project_id = $1 order by event_id", [p.id]);
      assert.deepEqual(left.map((r: any) => r.event_id), ["r-0", "r-1", "r-2", "r-3", "r-4"]);
      assert.deepEqual(await invoice(), before);
      const rows = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/usage?projectId=${p.id}`), 200).data;
      assert.equal(rows.reduce((s: number, r: any) => s + r.requests, 0), 20);
    });
  });
}

describe("ingestion settings", () => {
  it("refuses to start on a rate below one whole batch a second or a retention shorter than a month, naming the variable", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ TENANCY_USAGE_EVENTS_PER_SECOND: "10" }, 'TENANCY_USAGE_EVENTS_PER_SECOND must be a whole number from 1000 to 10000000 (or 0 for no limit), got "10"'],
      [{ TENANCY_USAGE_RETENTION_DAYS: "7" }, 'TENANCY_USAGE_RETENTION_DAYS must be a whole number from 32 to 36500, got "7"'],
    ];
    for (const [env, message] of cases) {
      await assert.rejects(startBackend({ env }), (err: Error) => {
        assert.ok(err.message.includes(message), err.message);
        return true;
      });
    }
  });
});
