import assert from "node:assert/strict";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { expectStatus, sqlQuery } from "../backend/helpers";
import { tenant, Tenant, UsageEventInput } from "./support";

/** kill -9 mid-ingestion: every acknowledged event is counted exactly once, every batch all or nothing. */
for (const dialect of DIALECTS) {
  describe(`usage ingestion killed with SIGKILL (${dialect.name})`, () => {
    let backend: Backend;
    let t: Tenant;
    before(async () => {
      backend = await startBackend({ dialect });
      t = await tenant(backend, { crash: {} });
    });
    after(() => backend?.dispose());

    it("counts every acknowledged event exactly once and keeps rollups equal to the events", async () => {
      const p = t.projects.crash;
      const batches: UsageEventInput[][] = [];
      const acknowledged = new Set<number>();
      let next = 0;
      let killed = false;
      const sender = async () => {
        while (!killed) {
          const n = next++;
          const batch = Array.from({ length: 50 }, (_, i) => ({ eventId: `b${n}-${i}`, model: "gpt-4o-mini", inputTokens: 10 + i, outputTokens: 20 + n }));
          batches[n] = batch;
          try {
            const res = await p.gateway.usage(batch);
            if (res.status === 200) acknowledged.add(n);
          } catch {
            // the connection died with the server: this batch was not acknowledged
          }
        }
      };
      const senders = Array.from({ length: 4 }, sender);
      while (acknowledged.size < 20) await new Promise((r) => setTimeout(r, 5));
      killed = true;
      await backend.kill();
      await Promise.all(senders);
      const unacknowledged = batches.map((_, n) => n).filter((n) => !acknowledged.has(n));
      assert.ok(unacknowledged.length > 0, "the kill landed while batches were in flight");

      await backend.restart();
      const stored = await sqlQuery(backend, "select event_id from usage_events where project_id = $1", [p.id]);
      const ids = new Set(stored.map((r: any) => r.event_id));
      for (const n of acknowledged) for (const e of batches[n]) assert.ok(ids.has(e.eventId), `acknowledged ${e.eventId} is stored`);
      for (const n of unacknowledged) {
        const kept = batches[n].filter((e) => ids.has(e.eventId)).length;
        assert.ok(kept === 0 || kept === 50, `batch ${n} is all or nothing (${kept} of 50)`);
      }
      // The gateway retries what it did not get an answer for; everything is then counted once.
      for (const n of unacknowledged) expectStatus(await p.gateway.usage(batches[n]), 200);
      const all = batches.flat();
      const [sums] = await sqlQuery(backend, "select sum(requests) as r, sum(input_tokens) as i, sum(output_tokens) as o from usage_daily where project_id = $1", [p.id]);
      assert.deepEqual(
        { r: Number(sums.r), i: Number(sums.i), o: Number(sums.o) },
        { r: all.length, i: all.reduce((s, e) => s + e.inputTokens, 0), o: all.reduce((s, e) => s + e.outputTokens, 0) },
      );
      const [events] = await sqlQuery(backend, "select count(*) as n from usage_events where project_id = $1", [p.id]);
      assert.equal(Number(events.n), all.length);
    });
  });
}
