import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { client, expectStatus, ISO, sqlQuery, useBackend } from "../backend/helpers";
import { storeGateway } from "../support/gateway";
import { createProject, eventId, eventually, gateway, tenant, Tenant } from "./support";

/** The hold, the key it bills and a MAC over both (usage/reservation-seal.ts). */
const RESERVATION = /^res_[0-9a-f]{32}\.key_[0-9A-Za-z]+\.[A-Za-z0-9_-]{22}$/;

for (const dialect of DIALECTS) {
  describe(`data plane: authorize and usage (${dialect.name})`, () => {
    // Its overlapping batches send 1,200 events at once, five times: ingestion.test.ts tests the limit.
    const { backend } = useBackend({ dialect, env: { TENANCY_USAGE_EVENTS_PER_SECOND: "0", TENANCY_GATEWAY_EVENTS_PER_SECOND: "0" } });
    let t: Tenant;
    before(async () => {
      t = await tenant(backend, {
        dev: { requestsPerMinute: 100, tokensPerMinute: 100_000, monthlyBudgetUsd: 5, allowedModels: ["gpt-4o-mini", "gpt-4o"] },
        prod: {},
      });
    });

    it("authorizes a request: the key's project and organization, a reservation and the headroom of each limit", async () => {
      const dev = t.projects.dev;
      const body = expectStatus(await dev.gateway.authorize({ model: "gpt-4o-mini", inputTokens: 1000, maxOutputTokens: 1000 }), 200);
      assert.match(body.reservationId, RESERVATION);
      for (const l of Object.values(body.limits) as { resetAt: string }[]) assert.match(l.resetAt, ISO);
      const resetAt = (name: string) => body.limits[name].resetAt;
      // gpt-4o-mini: 1000 × 0.15 + 1000 × 0.60 per million = 0.00075 USD reserved.
      assert.deepEqual(body, {
        apiKeyId: dev.keyId,
        projectId: dev.id,
        organizationId: t.orgId,
        reservationId: body.reservationId,
        limits: {
          requestsPerMinute: { limit: 100, remaining: 99, resetAt: resetAt("requestsPerMinute") },
          tokensPerMinute: { limit: 100_000, remaining: 98_000, resetAt: resetAt("tokensPerMinute") },
          monthlyBudgetUsd: { limit: "5.000000", remaining: "4.999250", resetAt: resetAt("monthlyBudgetUsd") },
        },
      });
      const now = new Date();
      assert.equal(resetAt("monthlyBudgetUsd"), new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString());
    });

    it("answers a project without limits with no headroom to report", async () => {
      const prod = t.projects.prod;
      const body = expectStatus(await prod.gateway.authorize({ model: "claude-sonnet-4-5" }), 200);
      assert.deepEqual(body, { apiKeyId: prod.keyId, projectId: prod.id, organizationId: t.orgId, reservationId: body.reservationId, limits: {} });
    });

    it("refuses API keys on the management API", async () => {
      assert.equal(expectStatus(await client(backend, t.projects.dev.key).get(`/v1/organizations/${t.orgId}/usage`), 401).code, "unauthenticated");
      assert.equal(expectStatus(await client(backend, t.projects.dev.key).get("/v1/prices"), 401).code, "unauthenticated");
    });

    it("refuses a model outside allowedModels (403), a write with a read_only key (403) and a model without a price (422)", async () => {
      const dev = t.projects.dev;
      const notAllowed = expectStatus(await dev.gateway.authorize({ model: "o3" }), 403);
      assert.equal(notAllowed.code, "model_not_allowed");
      assert.equal(notAllowed.detail, 'model "o3" is not in this project\'s limits.allowedModels (gpt-4o-mini, gpt-4o)');
      const ro = expectStatus(
        await t.root.post(`/v1/organizations/${t.orgId}/projects/${t.projects.prod.id}/api-keys`, { name: "ro", owner: backend.email, permissions: "read_only" }),
        201,
      );
      const roGateway = gateway(backend, await storeGateway(backend.databaseUrl), { key: ro.secret, keyId: ro.id });
      expectStatus(await roGateway.authorize({ model: "gpt-4o" }), 200);
      const write = expectStatus(await roGateway.authorize({ model: "gpt-4o", write: true }), 403);
      assert.equal(write.code, "read_only_key");
      const unknown = expectStatus(await t.projects.prod.gateway.authorize({ model: "gpt-7-ultra" }), 422);
      assert.equal(unknown.code, "unknown_model");
      assert.equal(unknown.detail, 'model "gpt-7-ultra" has no price; GET /v1/prices lists the priced models (TENANCY_PRICES replaces the table)');
    });

    it("refuses a malformed authorize body naming the field", async () => {
      const bad = expectStatus(await t.projects.prod.gateway.authorize({ model: "gpt-4o", inputTokens: -1, extra: 1 }), 400);
      assert.deepEqual(bad.errors, [
        { path: "inputTokens", message: "must not be negative" },
        { path: "extra", message: 'unknown field "extra"' },
      ]);
    });

    it("refuses a monthlyBudgetUsd with more than 6 decimal places on create and patch, naming the field", async () => {
      const projects = `/v1/organizations/${t.orgId}/projects`;
      const create = expectStatus(await t.root.post(projects, { name: "float-budget", environment: "development", limits: { monthlyBudgetUsd: 100 * 1.1 } }), 400);
      assert.deepEqual(create.errors, [
        {
          path: "limits.monthlyBudgetUsd",
          message: "must be USD with at most 6 decimal places, an exact number of micro-USD (what budgets count); 110.00000000000001 has more: round it, e.g. to 110",
        },
      ]);
      const p = await createProject(backend, t.root, t.orgId, "exact-budget", { monthlyBudgetUsd: 5.123456 });
      const patch = expectStatus(await t.root.patch(`${projects}/${p.id}`, { limits: { monthlyBudgetUsd: 5.1234567 } }), 400);
      assert.deepEqual(patch.errors.map((e: any) => e.path), ["limits.monthlyBudgetUsd"]);
      assert.match(patch.errors[0].message, /5\.1234567 has more: round it, e\.g\. to 5\.123457$/);
      assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200).limits.monthlyBudgetUsd.limit, "5.123456");
    });

    it("records a batch once: a replay is all duplicates", async () => {
      const prod = t.projects.prod;
      const events = [
        { eventId: eventId(), model: "gpt-4o", inputTokens: 10, outputTokens: 20 },
        { eventId: eventId(), model: "gpt-4o-mini", inputTokens: 0, outputTokens: 5 },
      ];
      assert.deepEqual(expectStatus(await prod.gateway.usage(events), 200), { accepted: 2, duplicates: 0 });
      assert.deepEqual(expectStatus(await prod.gateway.usage(events), 200), { accepted: 0, duplicates: 2 });
      const mixed = [events[0], { eventId: eventId(), model: "gpt-4o", inputTokens: 1, outputTokens: 1 }];
      assert.deepEqual(expectStatus(await prod.gateway.usage(mixed), 200), { accepted: 1, duplicates: 1 });
    });

    it("fails a whole batch on one bad event, naming events[i].field, and applies none of it", async () => {
      const p = await createProject(backend, t.root, t.orgId, "bad-input");
      const ok = (i: number) => ({ eventId: `ok-${i}`, model: "gpt-4o", inputTokens: 1, outputTokens: 1 });
      const cases: [unknown[], number, { path: string; message: string }[]][] = [
        [[ok(0), { ...ok(1), inputTokens: -5 }], 400, [{ path: "events[1].inputTokens", message: "must not be negative" }]],
        [[ok(0), { ...ok(1), outputTokens: 1.5 }], 400, [{ path: "events[1].outputTokens", message: "must be a whole number of tokens" }]],
        [[ok(0), ok(1), ok(0)], 400, [{ path: "events[2].eventId", message: 'repeats events[0].eventId "ok-0" of the same project in this batch' }]],
        // PostgreSQL cannot store NUL and turns an unpaired surrogate into U+FFFD: such an id would be
        // stored but never matched again (the event went unbilled), or two ids would become one.
        [[ok(0), { ...ok(1), eventId: "lone-\ud800" }], 400, [{ path: "events[1].eventId", message: "must not contain control characters (NUL included) or unpaired surrogates" }]],
        [[{ ...ok(0), eventId: "a\u0000b" }, ok(1)], 400, [{ path: "events[0].eventId", message: "must not contain control characters (NUL included) or unpaired surrogates" }]],
        [[ok(0), { ...ok(1), at: new Date(Date.now() + 10 * 60_000).toISOString() }], 400, [{ path: "events[1].at", message: "must not be more than 5 minutes in the future" }]],
        [[{ ...ok(0), model: "gpt-7-ultra" }, ok(1)], 422, [{ path: "events[0].model", message: 'model "gpt-7-ultra" has no price at ' }]],
        [Array.from({ length: 1001 }, (_, i) => ok(i)), 400, [{ path: "events", message: "must hold 1-1000 events" }]],
        [[], 400, [{ path: "events", message: "must hold 1-1000 events" }]],
      ];
      for (const [events, status, errors] of cases) {
        const body = expectStatus(await p.gateway.usage(events as any), status);
        if (status === 422) {
          assert.equal(body.code, "unknown_model");
          assert.equal(body.errors[0].path, errors[0].path);
          assert.ok(body.errors[0].message.startsWith(errors[0].message), body.errors[0].message);
        } else {
          assert.equal(body.code, "invalid_request");
          assert.deepEqual(body.errors, errors);
        }
      }
      const keyCreated = (await sqlQuery(backend, "select created_at from api_keys where id = $1", [p.keyId]))[0].created_at as string;
      const early = expectStatus(await p.gateway.usage([{ ...ok(0), at: new Date(Date.parse(keyCreated) - 1000).toISOString() }]), 400);
      assert.deepEqual(early.errors, [{ path: "events[0].at", message: `must not be before the API key existed (${keyCreated})` }]);
      const rows = await sqlQuery(backend, "select count(*) as n from usage_events where project_id = $1", [p.id]);
      assert.equal(Number(rows[0].n), 0);
      // The same events, now valid, are accepted: nothing of the failed batches was kept.
      assert.deepEqual(expectStatus(await p.gateway.usage([ok(0), ok(1)]), 200), { accepted: 2, duplicates: 0 });
    });

    it("records overlapping batches sent at once, in any order, each event once and without a deadlock", async () => {
      const p = await createProject(backend, t.root, t.orgId, "overlapping");
      const shuffle = (ids: string[], seed: number) => ids.map((id, i) => ({ id, k: (i * 7919 + seed * 104729) % ids.length })).sort((a, b) => a.k - b.k).map(({ id }) => id);
      for (let round = 0; round < 5; round++) {
        const ids = Array.from({ length: 300 }, () => eventId("overlap"));
        const batches = [ids, [...ids].reverse(), shuffle(ids, 1), shuffle(ids, 2)].map((order) => order.map((id) => ({ eventId: id, model: "gpt-4o", inputTokens: 1, outputTokens: 1 })));
        const answers = await Promise.all(batches.map((b) => p.gateway.usage(b)));
        const counts = answers.map((a) => expectStatus(a, 200) as { accepted: number; duplicates: number });
        assert.equal(counts.reduce((n, c) => n + c.accepted, 0), ids.length);
      }
      const [{ n }] = await sqlQuery(backend, "select sum(requests) as n from usage_monthly where project_id = $1", [p.id]);
      assert.equal(Number(n), 5 * 300);
    });

    it("accepts a full batch of 1,000 events", async () => {
      const p = await createProject(backend, t.root, t.orgId, "full-batch");
      const events = Array.from({ length: 1000 }, () => ({ eventId: eventId("full"), model: "gpt-4.1-nano", inputTokens: 123, outputTokens: 456 }));
      assert.deepEqual(expectStatus(await p.gateway.usage(events), 200), { accepted: 1000, duplicates: 0 });
    });

    it("refuses a key within a second of its revocation and of its project's archival", async () => {
      const a = await createProject(backend, t.root, t.orgId, "revoke-me");
      const b = await createProject(backend, t.root, t.orgId, "archive-me");
      expectStatus(await a.gateway.authorize({ model: "gpt-4o" }), 200);
      expectStatus(await b.gateway.authorize({ model: "gpt-4o" }), 200);
      expectStatus(await t.root.delete(`/v1/organizations/${t.orgId}/projects/${a.id}/api-keys/${a.keyId}`), 204);
      expectStatus(await t.root.delete(`/v1/organizations/${t.orgId}/projects/${b.id}`), 204);
      const deadline = Date.now() + 1000;
      for (const p of [a, b]) {
        await eventually(async () => (await p.gateway.authorize({ model: "gpt-4o" })).status === 403, `${p.id} refused`);
      }
      assert.ok(Date.now() <= deadline, "both keys were refused within one second");
      const refused = expectStatus(await a.gateway.authorize({ model: "gpt-4o" }), 403);
      assert.deepEqual([refused.code, refused.detail], ["key_invalid", "apiKey is not an active project API key (tpk_…): it is unknown, revoked or expired, or its project is archived"]);
    });

    it("maintains the key's lastUsedAt", async () => {
      const p = await createProject(backend, t.root, t.orgId, "last-used");
      const path = `/v1/organizations/${t.orgId}/projects/${p.id}/api-keys/${p.keyId}`;
      assert.equal(expectStatus(await t.root.get(path), 200).lastUsedAt, undefined);
      const before = new Date().toISOString();
      expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200);
      const lastUsedAt = expectStatus(await t.root.get(path), 200).lastUsedAt;
      assert.match(lastUsedAt, ISO);
      assert.ok(lastUsedAt >= before, `${lastUsedAt} is after ${before}`);
    });
  });
}
