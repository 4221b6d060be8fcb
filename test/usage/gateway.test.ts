import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DIALECTS } from "../support/backend";
import { gatewayToken, mintGateway, storeGateway } from "../support/gateway";
import { call, client, expectStatus, sqlQuery, useBackend } from "../backend/helpers";
import { createProject, eventId, eventually, gateway, micros, tenant, Tenant } from "./support";

/**
 * Issue 21: the data plane trusts the gateway, not the client. Only a gateway credential calls
 * authorize and usage; a request that authorize admitted is billed whatever happened to its key
 * or project since; an event naming a key is billed only for a time that key was active.
 */
const month = () => new Date().toISOString().slice(0, 7);
const UNAUTHENTICATED = 'authorization must be "Bearer <gateway credential>" with a live gateway credential (tgw_…, minted on the server host with npm run -s gateway-token -- NAME); project API keys and management tokens do not work here';

for (const dialect of DIALECTS) {
  describe(`gateway credentials and usage never lost (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect });
    let t: Tenant;
    before(async () => {
      t = await tenant(backend, { chat: {} });
    });

    const spent = async (projectId: string) => {
      const [invoice] = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month()}`), 200).data;
      return (invoice?.lines ?? []).filter((l: any) => l.projectId === projectId).reduce((s: number, l: any) => s + micros(l.costUsd), 0);
    };
    const events = async (projectId: string) => Number((await sqlQuery(backend, "select count(*) as n from usage_events where project_id = $1", [projectId]))[0].n);

    it("mints a tgw_ credential on the server host: the secret once on stdout, stored only as a hash, audited instance-wide without it", async () => {
      const { stdout, stderr } = await gatewayToken(backend.databaseUrl, "edge-eu-1");
      assert.match(stdout, /^tgw_[0-9A-Za-z]{49}\n$/);
      const secret = stdout.trim();
      const [row] = await sqlQuery(backend, "select id, name, hash, redacted, revoked_at from gateway_credentials where name = $1", ["edge-eu-1"]);
      assert.deepEqual(row, { id: row.id, name: "edge-eu-1", hash: createHash("sha256").update(secret).digest("hex"), redacted: `tgw_…${secret.slice(-4)}`, revoked_at: null });
      const log = JSON.parse(stderr);
      assert.deepEqual(log, { time: log.time, msg: "gateway credential created", id: row.id, name: "edge-eu-1", redacted: row.redacted });
      const [audit] = await sqlQuery(backend, "select organization_id, action, target_type, changes from audit_events where target_id = $1", [row.id]);
      assert.deepEqual(audit, {
        organization_id: null,
        action: "gateway_credential.created",
        target_type: "gateway_credential",
        changes: JSON.stringify({ name: { from: null, to: "edge-eu-1" }, redacted: { from: null, to: row.redacted } }),
      });
      const listed = (await gatewayToken(backend.databaseUrl, "--list")).stdout;
      assert.ok(listed.includes(`${row.id}  edge-eu-1  ${row.redacted}`), listed);
      assert.ok(!listed.includes(secret) && !backend.logs().includes(secret));
      const taken = await gatewayToken(backend.databaseUrl, "edge-eu-1").catch((e) => e);
      assert.equal(taken.stderr, 'a live gateway credential is already called "edge-eu-1"; revoke it first (--revoke edge-eu-1) or choose another name\n');
    });

    it("refuses a revoked gateway credential within a second, and audits the revocation", async () => {
      const secret = await mintGateway(backend.databaseUrl, "short-lived");
      const gw = gateway(backend, secret, t.projects.chat);
      expectStatus(await gw.authorize({ model: "gpt-4o" }), 200);
      await gatewayToken(backend.databaseUrl, "--revoke", "short-lived");
      const deadline = Date.now() + 1000;
      await eventually(async () => (await gw.authorize({ model: "gpt-4o" })).status === 401, "the revoked credential was refused");
      assert.ok(Date.now() <= deadline, "refused within one second of the revocation");
      assert.equal(expectStatus(await gw.usage([{ eventId: eventId(), model: "gpt-4o", inputTokens: 1, outputTokens: 1 }]), 401).detail, UNAUTHENTICATED);
      const [audit] = await sqlQuery(backend, "select a.action from audit_events a join gateway_credentials g on g.id = a.target_id where g.name = $1 and a.action = $2", ["short-lived", "gateway_credential.revoked"]);
      assert.deepEqual(audit, { action: "gateway_credential.revoked" });
      assert.ok(!backend.logs().includes(secret), "the credential reached no log line");
    });

    it("refuses forged events posted with a client key (401) and records nothing", async () => {
      const p = await createProject(backend, t.root, t.orgId, "forger");
      const forged = Array.from({ length: 10 }, () => ({ eventId: eventId("forged"), apiKeyId: p.keyId, model: "gpt-4o", inputTokens: 100_000_000, outputTokens: 100_000_000 }));
      for (const [path, body] of [["/v1/usage", { events: forged }], ["/v1/authorize", { apiKey: p.key, model: "gpt-4o" }]] as const) {
        const res = expectStatus(await client(backend, p.key).post(path, body), 401);
        assert.deepEqual([res.code, res.detail], ["unauthenticated", UNAUTHENTICATED]);
      }
      assert.equal(await events(p.id), 0);
      assert.equal(await spent(p.id), 0);
    });

    it("refuses a management token on the data plane (401)", async () => {
      for (const [path, body] of [["/v1/usage", { events: [{ eventId: "m", apiKeyId: t.projects.chat.keyId, model: "gpt-4o", inputTokens: 1, outputTokens: 1 }] }], ["/v1/authorize", { apiKey: t.projects.chat.key, model: "gpt-4o" }]] as const) {
        const res = expectStatus(await client(backend, backend.token).post(path, body), 401);
        assert.deepEqual([res.code, res.detail], ["unauthenticated", UNAUTHENTICATED]);
      }
    });

    it("counts the gateway's real event under an id someone else reported first", async () => {
      const p = await createProject(backend, t.root, t.orgId, "pre-claimed");
      // The client saw the provider's response id before the gateway reported it, and tries to claim it at 0.
      const claim = [{ eventId: "resp_abc123", apiKeyId: p.keyId, model: "gpt-4o", inputTokens: 0, outputTokens: 0 }];
      expectStatus(await client(backend, p.key).post("/v1/usage", { events: claim }), 401);
      // Another gateway credential's id does not stand in this gateway's way either.
      const other = gateway(backend, await mintGateway(backend.databaseUrl, "other-gateway"), p);
      assert.deepEqual(expectStatus(await other.usage(claim), 200), { accepted: 1, duplicates: 0 });
      const real = [{ eventId: "resp_abc123", model: "gpt-4o", inputTokens: 0, outputTokens: 1_000_000 }];
      assert.deepEqual(expectStatus(await p.gateway.usage(real), 200), { accepted: 1, duplicates: 0 });
      assert.deepEqual(expectStatus(await p.gateway.usage(real), 200), { accepted: 0, duplicates: 1 });
      // gpt-4o output: 10 USD per million tokens.
      assert.equal(await spent(p.id), 10_000_000);
    });

    for (const [what, end] of [
      ["its key was revoked", (p: { id: string; keyId: string }) => t.root.delete(`/v1/organizations/${t.orgId}/projects/${p.id}/api-keys/${p.keyId}`)],
      ["its project was archived", (p: { id: string }) => t.root.delete(`/v1/organizations/${t.orgId}/projects/${p.id}`)],
    ] as const) {
      it(`bills a request authorize admitted by its reservation after ${what}`, async () => {
        const p = await createProject(backend, t.root, t.orgId, `admitted-${what.split(" ").at(-1)}`);
        const { reservationId } = expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 780_000 }), 200);
        expectStatus(await end(p), 204);
        await eventually(async () => (await p.gateway.authorize({ model: "gpt-4o" })).status === 403, "the key is refused");
        const served = [{ eventId: eventId(), reservationId, model: "gpt-4o", inputTokens: 0, outputTokens: 780_000 }];
        assert.deepEqual(expectStatus(await p.gateway.usage(served), 200), { accepted: 1, duplicates: 0 });
        assert.equal(await spent(p.id), 7_800_000);
      });
    }

    it("bills an event naming apiKeyId dated before the revocation, and refuses one dated after it naming the rule", async () => {
      const p = await createProject(backend, t.root, t.orgId, "by-key");
      expectStatus(await t.root.delete(`/v1/organizations/${t.orgId}/projects/${p.id}/api-keys/${p.keyId}`), 204);
      const [{ created_at: createdAt, revoked_at: revokedAt }] = await sqlQuery(backend, "select created_at, revoked_at from api_keys where id = $1", [p.keyId]);
      const before = [{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 100_000, at: createdAt }];
      assert.deepEqual(expectStatus(await p.gateway.usage(before), 200), { accepted: 1, duplicates: 0 });
      const after = [{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 100_000, at: revokedAt }];
      const refused = expectStatus(await p.gateway.usage(after), 400);
      const message = `is at or after ${revokedAt}, when API key ${p.keyId} was revoked: an event naming apiKeyId is billed only for a time its key and project were active; name the reservationId POST /v1/authorize answered to bill a request it admitted`;
      assert.deepEqual([refused.code, refused.errors], ["invalid_request", [{ path: "events[0].at", message }]]);
      assert.equal(await events(p.id), 1);
      assert.equal(await spent(p.id), 1_000_000);
    });

    it("refuses a reservationId that authorize did not answer, and bills a real one to its own key and project", async () => {
      const [a, b] = [await createProject(backend, t.root, t.orgId, "sealed-a"), await createProject(backend, t.root, t.orgId, "sealed-b")];
      const { reservationId } = expectStatus(await a.gateway.authorize({ model: "gpt-4o" }), 200);
      const [hold, , mac] = reservationId.split(".");
      const forged = `${hold}.${b.keyId}.${mac}`;
      const refused = expectStatus(await b.gateway.usage([{ eventId: eventId(), reservationId: forged, model: "gpt-4o", inputTokens: 0, outputTokens: 1 }]), 400);
      assert.deepEqual(refused.errors, [{ path: "events[0].reservationId", message: "is not a reservationId that POST /v1/authorize answered for this store; send it exactly as answered, or name the apiKeyId" }]);
      // Reported through b's gateway helper, the event is still a's: the reservation says whose it is.
      assert.deepEqual(expectStatus(await b.gateway.usage([{ eventId: eventId(), reservationId, model: "gpt-4o", inputTokens: 0, outputTokens: 1000 }]), 200), { accepted: 1, duplicates: 0 });
      assert.deepEqual([await spent(a.id), await spent(b.id)], [10_000, 0]);
    });

    it("takes the client key in authorize's body: an unknown key is 403 key_invalid, a malformed clientIp 400", async () => {
      const gw = client(backend, await storeGateway(backend.databaseUrl));
      const unknown = expectStatus(await gw.post("/v1/authorize", { apiKey: "tpk_nope", model: "gpt-4o" }), 403);
      assert.equal(unknown.code, "key_invalid");
      const bad = expectStatus(await gw.post("/v1/authorize", { apiKey: t.projects.chat.key, model: "gpt-4o", clientIp: "10.0.0" }), 400);
      assert.deepEqual(bad.errors, [{ path: "clientIp", message: "must be an IPv4 or IPv6 address" }]);
      expectStatus(await gw.post("/v1/authorize", { apiKey: t.projects.chat.key, model: "gpt-4o", clientIp: "2001:db8::1" }), 200);
    });
  });

  describe(`per-gateway ingestion limit (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect, env: { TENANCY_USAGE_EVENTS_PER_SECOND: "0", TENANCY_GATEWAY_EVENTS_PER_SECOND: "1000" } });

    it("refuses a gateway past its events per second with 429 naming gatewayEventsPerSecond, on its headers: the body is never parsed", async () => {
      const t = await tenant(backend, { flood: {} });
      const p = t.projects.flood;
      const secret = await storeGateway(backend.databaseUrl);
      const full = Array.from({ length: 1000 }, () => ({ eventId: eventId("flood"), apiKeyId: p.keyId, model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 }));
      // Not JSON at all: a parsed body would be a 400. The second's window is a second long, so the
      // pair is retried until both land in one window (each try fills a new second first).
      let refused: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 20 && !refused; i++) {
        const fill = await call(backend.url, "POST", "/v1/usage", secret, { body: { events: full.map((e) => ({ ...e, eventId: `${e.eventId}-${i}` })) } });
        if (fill.status !== 200) continue;
        const flood = await call(backend.url, "POST", "/v1/usage", secret, { raw: "{not json", headers: { "content-type": "application/json" } });
        if (flood.status === 429) refused = flood;
        else expectStatus(flood, 400);
      }
      assert.ok(refused, "a request in a full second was refused");
      const retry = Number(refused.headers["retry-after"]);
      assert.equal(retry, 1);
      // Closed, so a sender that ignores Retry-After cannot make the server drain body after body.
      assert.equal(refused.headers.connection, "close");
      assert.deepEqual(refused.body, {
        type: refused.body.type,
        title: "Rate limited",
        status: 429,
        code: "rate_limited",
        limit: "gatewayEventsPerSecond",
        detail: "gatewayEventsPerSecond exceeded: a gateway credential reports at most 1000 usage events per second and this second's are all taken; the request body was not read; retry after 1 s",
        requestId: refused.body.requestId,
      });
      // Another gateway is not held up by this one's flood.
      const other = gateway(backend, await mintGateway(backend.databaseUrl, "quiet"), p);
      await eventually(async () => (await other.usage([{ eventId: eventId(), model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 }])).status === 200, "the other gateway reported");
    });

    it("sends the refusal of a full second when that second ends, so a sender that ignores Retry-After and comes straight back is accepted, not refused again and again", async () => {
      const t = await tenant(backend, { flood: {} });
      const p = t.projects.flood;
      const secret = await mintGateway(backend.databaseUrl, "impatient");
      const full = (tag: string) => ({ events: Array.from({ length: 1000 }, () => ({ eventId: eventId(tag), apiKeyId: p.keyId, model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 })) });
      let refused = false;
      for (let i = 0; i < 20 && !refused; i++) {
        if ((await call(backend.url, "POST", "/v1/usage", secret, { body: full("fill") })).status !== 200) continue;
        const flood = await call(backend.url, "POST", "/v1/usage", secret, { raw: "{not json", headers: { "content-type": "application/json" } });
        if (flood.status !== 429) continue;
        refused = true;
        // Straight back, Retry-After ignored: the second it was refused for has ended by the time it was told.
        assert.deepEqual(expectStatus(await call(backend.url, "POST", "/v1/usage", secret, { body: full("again") }), 200), { accepted: 1000, duplicates: 0 });
      }
      assert.ok(refused, "a request in a full second was refused");
    });
  });

  describe(`a gateway's second counts what the server read (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect, env: { TENANCY_USAGE_EVENTS_PER_SECOND: "1000", TENANCY_GATEWAY_EVENTS_PER_SECOND: "2000" } });

    it("keeps a batch the project's limit refused on the gateway's second, so a flood past it is refused on its headers, not parsed again and again", async () => {
      const t = await tenant(backend, { flood: {} });
      const p = t.projects.flood;
      const secret = await storeGateway(backend.databaseUrl);
      const full = (tag: string) => ({ events: Array.from({ length: 1000 }, () => ({ eventId: eventId(tag), apiKeyId: p.keyId, model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 })) });
      // In one second: a full batch fills the project's second, a second one is read and refused by
      // the project's limit (the gateway's second now holds 2,000 read), and a third is refused on
      // its headers: not JSON at all, it would be a 400 if it were read. Retried until all three
      // land in one window.
      let refusedUnread: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 20 && !refusedUnread; i++) {
        if ((await call(backend.url, "POST", "/v1/usage", secret, { body: full("fill") })).status !== 200) continue;
        const second = await call(backend.url, "POST", "/v1/usage", secret, { body: full("over") });
        if (second.status !== 429 || second.body.limit !== "usageEventsPerSecond") continue;
        const third = await call(backend.url, "POST", "/v1/usage", secret, { raw: "{not json", headers: { "content-type": "application/json" } });
        if (third.status === 429) refusedUnread = third;
        else expectStatus(third, 400);
      }
      assert.ok(refusedUnread, "a batch after one the project refused was never refused unread");
      assert.deepEqual([refusedUnread.body.limit, refusedUnread.headers.connection], ["gatewayEventsPerSecond", "close"]);
    });
  });
}
