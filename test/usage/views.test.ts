import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { client, expectStatus, editStore, person, sqlQuery, useBackend } from "../backend/helpers";
import { eventId, micros, tenant, Tenant, UsageEventInput } from "./support";
import { TenancyError } from "../../schema/errors";
import type { OrgAccess } from "../../backend/auth/access";
import { openStore } from "../../backend/store/db";
import { recordUsage } from "../../backend/usage/data-plane.service";
import { invoices } from "../../backend/usage/usage-views.service";
import { startUsage } from "../../backend/usage/usage.runtime";
import { loadConfig } from "../../backend/config";

/** List prices of the shipped table, in micro-USD per million tokens, for the models used here. */
const PRICE: Record<string, [bigint, bigint]> = {
  "gpt-4o": [2_500_000n, 10_000_000n],
  "gpt-4o-mini": [150_000n, 600_000n],
  "claude-sonnet-4-5": [3_000_000n, 15_000_000n],
};
const cost = (e: UsageEventInput) => {
  const [i, o] = PRICE[e.model];
  return Number((BigInt(e.inputTokens) * i + BigInt(e.outputTokens) * o + 500_000n) / 1_000_000n);
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const month = () => new Date().toISOString().slice(0, 7);

for (const dialect of DIALECTS) {
  describe(`usage, costs and invoices (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect });
    let t: Tenant;
    const sent: Record<string, UsageEventInput[]> = { dev: [], prod: [] };
    const view = (path: string, as = t.root) => as.get(`/v1/organizations/${t.orgId}/${path}`);

    before(async () => {
      t = await tenant(backend);
      // Odd token counts, so per-event rounding would show if any total were computed differently.
      const models = Object.keys(PRICE);
      for (const name of ["dev", "prod"]) {
        for (let b = 0; b < 3; b++) {
          const batch = Array.from({ length: 40 }, (_, i) => ({ eventId: eventId(name), model: models[(i + b) % 3], inputTokens: 17 * i + 3 * b + 1, outputTokens: 29 * i + 7 }));
          expectStatus(await t.projects[name].gateway.usage(batch), 200);
          sent[name].push(...batch);
        }
      }
    });

    it("agrees exactly: usage = costs = invoice totals, per project and in total, priced from the table", async () => {
      const usage = expectStatus(await view("usage?groupBy=project,model&bucket=1d"), 200).data;
      const costs = expectStatus(await view("costs?groupBy=project,model&bucket=1d"), 200).data;
      assert.deepEqual(costs, usage);
      const invoices = expectStatus(await view(`invoices?month=${month()}`), 200).data;
      assert.equal(invoices.length, 1);
      const [invoice] = invoices;
      assert.equal(invoice.status, "open");
      for (const name of ["dev", "prod"]) {
        const id = t.projects[name].id;
        const expected = sum(sent[name].map(cost));
        const rows = usage.filter((r: any) => r.projectId === id);
        const lines = invoice.lines.filter((l: any) => l.projectId === id);
        assert.equal(sum(rows.map((r: any) => micros(r.costUsd))), expected, `${name}: usage rows`);
        assert.equal(sum(lines.map((l: any) => micros(l.costUsd))), expected, `${name}: invoice lines`);
        assert.equal(sum(rows.map((r: any) => r.requests)), sent[name].length);
        assert.equal(sum(rows.map((r: any) => r.inputTokens)), sum(sent[name].map((e) => e.inputTokens)));
        assert.equal(sum(lines.map((l: any) => l.outputTokens)), sum(sent[name].map((e) => e.outputTokens)));
        for (const l of lines) assert.equal(l.projectName, name);
      }
      const total = sum([...sent.dev, ...sent.prod].map(cost));
      assert.equal(micros(invoice.totalUsd), total);
      assert.equal(sum(invoice.lines.map((l: any) => micros(l.costUsd))), total);
      // Ungrouped, hourly and per key: the same total however the rows are cut.
      for (const q of ["usage", "usage?bucket=1h", "usage?groupBy=apiKey", "costs?groupBy=model,apiKey,project&bucket=1h"]) {
        const rows = expectStatus(await view(q), 200).data;
        assert.equal(sum(rows.map((r: any) => micros(r.costUsd))), total, q);
      }
    });

    it("answers rows whose shape follows groupBy and bucket", async () => {
      const rows = expectStatus(await view("usage?groupBy=model&bucket=1h"), 200).data;
      const hour = new Date();
      hour.setUTCMinutes(0, 0, 0);
      const first = rows[0];
      assert.deepEqual(Object.keys(first).sort(), ["costUsd", "end", "inputTokens", "model", "outputTokens", "requests", "start"]);
      assert.equal(Date.parse(first.end) - Date.parse(first.start), 3600_000);
      assert.ok(rows.every((r: any) => Date.parse(r.start) % 3600_000 === 0));
      const filtered = expectStatus(await view(`usage?projectId=${t.projects.dev.id}`), 200).data;
      assert.equal(sum(filtered.map((r: any) => micros(r.costUsd))), sum(sent.dev.map(cost)));
    });

    it("shows a project member only their projects, refuses a member of no project and hides the organization from an outsider", async () => {
      const viewer = await person(backend, "viewer@tenancy.test");
      const plain = await person(backend, "plain@tenancy.test");
      const outsider = await person(backend, "outsider@tenancy.test");
      for (const p of [viewer, plain]) expectStatus(await t.root.post(`/v1/organizations/${t.orgId}/members`, { email: p.email, role: "member" }), 201);
      expectStatus(await t.root.post(`/v1/organizations/${t.orgId}/projects/${t.projects.dev.id}/members`, { email: viewer.email, role: "viewer" }), 201);
      const rows = expectStatus(await view("usage?groupBy=project", viewer), 200).data;
      assert.deepEqual([...new Set(rows.map((r: any) => r.projectId))], [t.projects.dev.id]);
      const inv = expectStatus(await view("invoices", viewer), 200).data[0];
      assert.deepEqual([...new Set(inv.lines.map((l: any) => l.projectId))], [t.projects.dev.id]);
      assert.equal(micros(inv.totalUsd), sum(sent.dev.map(cost)));
      assert.equal(expectStatus(await view(`usage?projectId=${t.projects.prod.id}`, viewer), 404).code, "not_found");
      // An organization member in none of its projects has no usage to read.
      assert.equal(expectStatus(await view("usage", plain), 403).code, "forbidden");
      assert.equal(expectStatus(await view("invoices", plain), 403).code, "forbidden");
      assert.equal(expectStatus(await view("usage", outsider), 404).code, "not_found");
      assert.equal(expectStatus(await view("costs", outsider), 404).code, "not_found");
    });

    it("refuses malformed view queries naming the parameter", async () => {
      const bad = async (q: string) => expectStatus(await view(q), 400).errors;
      assert.deepEqual(await bad("usage?groupBy=team"), [{ path: "groupBy", message: 'unknown grouping "team"; use a comma list of project, apiKey, model' }]);
      assert.deepEqual(await bad("usage?bucket=5m"), [{ path: "bucket", message: 'invalid option: expected one of "1h"|"1d"' }]);
      assert.deepEqual(await bad("usage?from=2026-01-01T10:30:00Z&bucket=1h"), [{ path: "from", message: "must be on a 1h bucket boundary, a whole hour (UTC)" }]);
      assert.deepEqual(await bad("costs?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"), [{ path: "to", message: "must be after from" }]);
      // With `to` left out, `from` is what the caller got wrong, and the answer names it.
      const [future] = await bad("usage?from=2099-01-01T00:00:00Z");
      assert.equal(future.path, "from");
      assert.match(future.message, /^must be before to, which defaults to \d{4}-\d\d-\d\dT00:00:00\.000Z \(the end of the current 1d bucket\)$/);
      const [past] = await bad("usage?from=2000-01-01T00:00:00Z&bucket=1h");
      assert.equal(past.path, "from");
      assert.match(past.message, /^must be at most \d+ days before to \(by default .*\) with bucket 1h$/);
      assert.deepEqual(await bad("invoices?month=2026-13"), [{ path: "month", message: "must be a month as YYYY-MM" }]);
    });

    it("keeps an ended month final: its invoice is final and new events dated in it are refused", async () => {
      const p = t.projects.prod;
      // Backdate the key so that the only reason left to refuse is the closed month.
      await editStore(backend, "update api_keys set created_at = $1 where id = $2", ["2020-01-01T00:00:00.000Z", p.keyId]);
      await sqlQuery(
        backend,
        "insert into usage_monthly (month, organization_id, project_id, model, requests, input_tokens, output_tokens, cost_micros) values ($1, $2, $3, $4, 1, 10, 10, 125)",
        ["2020-02", t.orgId, p.id, "gpt-4o"],
      );
      const old = expectStatus(await view("invoices?month=2020-02"), 200).data;
      assert.deepEqual(old, [
        { month: "2020-02", status: "final", totalUsd: "0.000125", lines: [{ projectId: p.id, projectName: "prod", model: "gpt-4o", inputTokens: 10, outputTokens: 10, costUsd: "0.000125" }] },
      ]);
      // The key cache may hold the old creation date for up to half a second; the month rule comes after it either way.
      const late = { eventId: "late", model: "gpt-4o", inputTokens: 1, outputTokens: 1, at: "2025-01-31T23:59:30.000Z" };
      let body: any;
      for (let i = 0; i < 100; i++) {
        body = expectStatus(await p.gateway.usage([late]), 400);
        if (!body.errors[0].message.startsWith("must not be before")) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(body.errors, [{ path: "events[0].at", message: "falls in 2025-01, whose invoice is final; a month takes events until 10 minutes after it ends (UTC)" }]);
    });

    it("counts a replay of an event dated in an ended month as a duplicate, not an error", async () => {
      const p = t.projects.prod;
      await editStore(backend, "update api_keys set created_at = $1 where id = $2", ["2020-01-01T00:00:00.000Z", p.keyId]);
      // An event recorded in January 2025 before that month ended (raw events are kept 35 days).
      const recorded = { eventId: eventId("jan"), model: "gpt-4o", inputTokens: 1, outputTokens: 1, at: "2025-01-31T23:59:00.000Z" };
      await sqlQuery(
        backend,
        "insert into usage_events (project_id, gateway_id, event_id, api_key_id, organization_id, model, input_tokens, output_tokens, cost_micros, at, received_at) select $1, id, $2, $3, $4, $5, 1, 1, 13, $6, $7 from gateway_credentials where name = $8",
        [p.id, recorded.eventId, p.keyId, t.orgId, "gpt-4o", recorded.at, recorded.at, "test-gateway"],
      );
      assert.deepEqual(expectStatus(await p.gateway.usage([recorded]), 200), { accepted: 0, duplicates: 1 });
      const now = { eventId: eventId(), model: "gpt-4o", inputTokens: 1, outputTokens: 1 };
      assert.deepEqual(expectStatus(await p.gateway.usage([recorded, now]), 200), { accepted: 1, duplicates: 1 });
    });

    it("names a project on its invoice lines as the month's last batch found it named", async () => {
      const own = await tenant(backend, { chat: {} });
      const chat = own.projects.chat;
      const line = async () => expectStatus(await own.root.get(`/v1/organizations/${own.orgId}/invoices?month=${month()}`), 200).data[0].lines[0].projectName;
      expectStatus(await chat.gateway.usage([{ eventId: eventId(), model: "gpt-4o", inputTokens: 1, outputTokens: 1 }]), 200);
      expectStatus(await own.root.patch(`/v1/organizations/${own.orgId}/projects/${chat.id}`, { name: "chat-renamed" }), 200);
      assert.equal(await line(), "chat");
      expectStatus(await chat.gateway.usage([{ eventId: eventId(), model: "gpt-4o", inputTokens: 1, outputTokens: 1 }]), 200);
      assert.equal(await line(), "chat-renamed");
    });

    it("takes a month's events until 10 minutes after it ends, and calls its invoice final only once nothing more can be added", async () => {
      const p = t.projects.dev;
      const store = openStore(backend.databaseUrl);
      const rt = await startUsage(store, loadConfig({}).usage);
      try {
        // The key existed in 2025: this test moves the clock back, not the key's events forward.
        await store.db.updateTable("api_keys").set({ created_at: "2020-01-01T00:00:00.000Z" }).where("id", "=", p.keyId).execute();
        const gw = { id: "gw_views", name: "views" };
        const event = (at: string) => ({ eventId: eventId("boundary"), model: "gpt-4o", inputTokens: 1000, outputTokens: 0, at, apiKeyId: p.keyId });
        const record = (events: UsageEventInput[], now: string) => recordUsage(rt, { db: store.db, transact: (work) => store.db.transaction().execute(work) }, gw, { events }, new Date(now));
        const reader = (now: string) => ({ db: store.db, access: { org: { id: t.orgId }, orgRole: "admin" } as OrgAccess, userId: "", now });
        const status = async (now: string) => (await invoices(reader(now), "2025-03"))[0].status;
        // The gateway's last batch of March, reported just after midnight.
        const lastMinute = event("2025-03-31T23:59:30.000Z");
        assert.deepEqual(await record([lastMinute], "2025-04-01T00:09:59.999Z"), { accepted: 1, duplicates: 0 });
        // Final a minute after the month stops taking events, when a batch accepted before that has committed.
        assert.equal(await status("2025-04-01T00:10:59.999Z"), "open");
        assert.equal(await status("2025-04-01T00:11:00.000Z"), "final");
        // From 00:10 the month takes nothing new; a replay is still a duplicate.
        await assert.rejects(record([event("2025-03-31T23:59:45.000Z")], "2025-04-01T00:10:00.000Z"), (err: TenancyError) => {
          assert.deepEqual(err.extras.errors, [{ path: "events[0].at", message: "falls in 2025-03, whose invoice is final; a month takes events until 10 minutes after it ends (UTC)" }]);
          return true;
        });
        assert.deepEqual(await record([lastMinute], "2025-04-01T00:10:00.000Z"), { accepted: 0, duplicates: 1 });
        const [invoice] = await invoices(reader("2025-04-01T00:11:00.000Z"), "2025-03");
        assert.equal(invoice.totalUsd, "0.002500");
        // A final invoice never changes: renaming the project later leaves its lines as they were.
        expectStatus(await t.root.patch(`/v1/organizations/${t.orgId}/projects/${p.id}`, { name: "dev-renamed" }), 200);
        try {
          assert.deepEqual(await invoices(reader("2025-04-02T00:00:00.000Z"), "2025-03"), [invoice]);
          assert.equal(invoice.lines[0].projectName, "dev");
        } finally {
          expectStatus(await t.root.patch(`/v1/organizations/${t.orgId}/projects/${p.id}`, { name: "dev" }), 200);
        }
      } finally {
        await rt.close();
        await store.close();
      }
    });
  });
}
