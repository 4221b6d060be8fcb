import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { call, client, expectStatus, useBackend } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`protocol: errors, pagination, versions, idempotency (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect, env: { TENANCY_RATE_LIMIT_PER_MINUTE: "400" } });
    let orgId: string;

    before(async () => {
      orgId = expectStatus(await root.post("/v1/organizations", { name: "Protocol" }), 201).id;
    });

    it("pages through a list with limit and after, in creation order", async () => {
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push(expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: `p${i}`, environment: "other" }), 201).id);
      const seen: string[] = [];
      let after = "";
      for (;;) {
        const page = expectStatus(await root.get(`/v1/organizations/${orgId}/projects?limit=2${after ? `&after=${after}` : ""}`), 200);
        seen.push(...page.data.map((p: any) => p.id));
        assert.equal(page.hasMore, page.nextCursor !== null);
        if (!page.hasMore) break;
        after = page.nextCursor;
      }
      assert.deepEqual(seen, created);
      const bad = expectStatus(await root.get(`/v1/organizations/${orgId}/projects?limit=0`), 400);
      assert.deepEqual(bad.errors, [{ path: "limit", message: "must be from 1 to 100" }]);
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${orgId}/projects?after=garbage`), 400).errors, [{ path: "after", message: "must be a nextCursor value from a previous page" }]);
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${orgId}/projects?colour=red`), 400).errors, [{ path: "colour", message: 'unknown field "colour"' }]);
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${orgId}/projects?limit=1&limit=2`), 400).errors, [
        { path: "limit", message: "is given more than once; give it once (a list is one comma-separated value)" },
      ]);
    });

    it("replays an idempotent create with 200 and refuses the key with another body (422)", async () => {
      const headers = { "idempotency-key": "create-proj-1" };
      const first = await root.post(`/v1/organizations/${orgId}/projects`, { name: "idem", environment: "other" }, { headers });
      const again = await root.post(`/v1/organizations/${orgId}/projects`, { environment: "other", name: "idem" }, { headers });
      assert.equal(first.status, 201);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      const other = await root.post(`/v1/organizations/${orgId}/projects`, { name: "idem2", environment: "other" }, { headers });
      assert.equal(expectStatus(other, 422).code, "idempotency_mismatch");
      // Keys are per caller: someone else's identical key is a new request.
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "bot", role: "admin" }), 201);
      const tok = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "t" }), 201);
      const bot = client(backend, tok.token);
      expectStatus(await bot.post(`/v1/organizations/${orgId}/projects`, { name: "idem-bot", environment: "other" }, { headers }), 201);
    });

    it("replays a key creation without its secret", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "keyed", environment: "other" }), 201);
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: backend.email, role: "owner" }), 201);
      const headers = { "idempotency-key": "key-1" };
      const body = { name: "k", owner: backend.email };
      const first = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/api-keys`, body, { headers }), 201);
      const replay = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/api-keys`, body, { headers }), 200);
      const { secret, ...rest } = first;
      assert.ok(secret);
      assert.deepEqual(replay, rest);
    });

    it("answers 412 for a stale If-Match and honours a matching one", async () => {
      const res = await root.post(`/v1/organizations/${orgId}/projects`, { name: "etag", environment: "other" }, { headers: { "idempotency-key": "etag-create" } });
      const p = expectStatus(res, 201);
      // The create answers the ETag a read would give, and so does its replay.
      assert.equal(res.headers.etag, '"1"');
      const replay = await root.post(`/v1/organizations/${orgId}/projects`, { name: "etag", environment: "other" }, { headers: { "idempotency-key": "etag-create" } });
      assert.deepEqual([replay.status, replay.headers.etag], [200, '"1"']);
      const path = `/v1/organizations/${orgId}/projects/${p.id}`;
      expectStatus(await root.patch(path, { description: "one" }, { headers: { "if-match": '"1"' } }), 200);
      const stale = await root.patch(path, { description: "two" }, { headers: { "if-match": '"1"' } });
      assert.equal(expectStatus(stale, 412).code, "version_mismatch");
      assert.equal(expectStatus(await root.delete(path, { headers: { "if-match": '"1"' } }), 412).code, "version_mismatch");
      // An empty body with a JSON content type is no body, not a parse error.
      expectStatus(await root.delete(path, { headers: { "if-match": 'W/"2"', "content-type": "application/json" } }), 204);
    });

    it("answers problem+json for malformed JSON, oversized bodies, unknown routes and wrong content types", async () => {
      const malformed = await call(backend.url, "POST", "/v1/organizations", backend.token, { raw: '{"name": "x",' });
      assert.deepEqual(expectStatus(malformed, 400).errors, [{ path: "(body)", message: "must be a valid JSON document" }]);
      assert.equal(malformed.headers["content-type"], "application/problem+json; charset=utf-8");
      const big = await root.post("/v1/organizations", { name: "x", pad: "y".repeat(100_000) });
      const problem = expectStatus(big, 413);
      assert.deepEqual(problem, {
        type: "https://tenancy.dev/problems/payload-too-large",
        title: "Payload too large",
        status: 413,
        detail: "the request body is larger than this server accepts",
        code: "payload_too_large",
        requestId: problem.requestId,
      });
      // An unknown route has its own code: a client pointed at a wrong path never takes it for a deleted object.
      const unknown = expectStatus(await root.get("/v1/nothing-here?x=1"), 404);
      assert.deepEqual(unknown, {
        type: "https://tenancy.dev/problems/unknown-route",
        title: "Unknown route",
        status: 404,
        detail: "no route GET /v1/nothing-here; GET /openapi.json lists every route",
        code: "unknown_route",
        requestId: unknown.requestId,
      });
      const text = await call(backend.url, "POST", "/v1/organizations", backend.token, { raw: "name=x", headers: { "content-type": "text/plain" } });
      assert.equal(expectStatus(text, 400).code, "invalid_request");
      // What the router refuses before any route runs speaks the same vocabulary, and echoes nothing.
      const badUrl = await root.get("/v1/organizations/%E0%A4%A");
      assert.deepEqual(expectStatus(badUrl, 400).errors, [{ path: "(path)", message: "is not a valid URL path (a malformed percent-encoding); encode every reserved character once" }]);
      assert.equal(badUrl.headers["content-type"], "application/problem+json; charset=utf-8");
      const long = await root.get(`/v1/organizations/org_${"a".repeat(2100)}`);
      assert.deepEqual(expectStatus(long, 400).errors, [{ path: "(path)", message: "a path segment is longer than 2000 characters; no id is that long" }]);
      assert.ok(!long.text.includes("aaaa"));
      assert.equal(long.headers["x-request-id"], long.body.requestId);
    });

    it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
      const excluded = await root.post("/v1/organizations", { name: "Lockout", securityPolicy: { ipAllowlist: ["198.51.100.0/24"] } }, { headers: { "x-forwarded-for": "198.51.100.1" } });
      assert.deepEqual(expectStatus(excluded, 400).errors.map((e: any) => e.path), ["securityPolicy.ipAllowlist"]);
      const fenced = expectStatus(await root.post("/v1/organizations", { name: "Local only", securityPolicy: { ipAllowlist: ["127.0.0.1/32"] } }), 201);
      const spoofed = await root.get(`/v1/organizations/${fenced.id}`, { headers: { "x-forwarded-for": "198.51.100.1" } });
      expectStatus(spoofed, 200);
      const events = expectStatus(await root.get(`/v1/organizations/${fenced.id}/audit-events`, { headers: { "x-forwarded-for": "198.51.100.1" } }), 200);
      assert.equal(events.data[0].actor.ip, "127.0.0.1");
    });

    it("echoes a sane X-Request-Id and puts the request id in every error", async () => {
      const res = await root.get("/v1/organizations/org_missing000", { headers: { "x-request-id": "trace-123" } });
      assert.equal(res.headers["x-request-id"], "trace-123");
      assert.equal(expectStatus(res, 404).requestId, "trace-123");
      const generated = await root.get("/v1/organizations/org_missing000", { headers: { "x-request-id": "bad id with spaces" } });
      assert.match(generated.body.requestId, /^req_/);
      assert.equal(generated.headers["x-request-id"], generated.body.requestId);
    });

    it("rate-limits per principal (not per token) and per IP when unauthenticated, with RateLimit-* headers and Retry-After", async () => {
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "noisy", role: "member" }), 201);
      const mint = async () => client(backend, expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "t" }), 201).token);
      const [first, second] = [await mint(), await mint()];
      const counted = await first.get("/v1/me");
      assert.equal(counted.headers["ratelimit-limit"], "400");
      assert.equal(counted.headers["ratelimit-remaining"], "399");
      assert.match(counted.headers["ratelimit-reset"], /^\d+$/);
      // The seconds until the window (one minute) ends, rounded up: a fresh window has nearly all of it left.
      assert.ok(Number(counted.headers["ratelimit-reset"]) > 50 && Number(counted.headers["ratelimit-reset"]) <= 60, counted.headers["ratelimit-reset"]);
      // The second token of the same account draws on the same window.
      assert.equal((await second.get("/v1/me")).headers["ratelimit-remaining"], "398");
      let limited;
      for (let i = 0; i < 450 && !limited; i++) {
        const res = await (i % 2 ? first : second).get("/v1/me");
        if (res.status === 429) limited = res;
      }
      assert.ok(limited, "no 429 after 450 requests");
      assert.deepEqual(limited.body, {
        type: "https://tenancy.dev/problems/rate-limited",
        title: "Rate limited",
        status: 429,
        detail: `more than 400 requests in a minute from this caller; retry after ${limited.headers["retry-after"]} s`,
        code: "rate_limited",
        requestId: limited.body.requestId,
      });
      assert.match(limited.headers["retry-after"], /^\d+$/);
      assert.equal(limited.headers["ratelimit-remaining"], "0");
      // Other principals keep their own windows.
      expectStatus(await root.get("/v1/me"), 200);
      // Unauthenticated callers are counted by address.
      const anonymous = await call(backend.url, "GET", "/v1/me", "tmt_wrong");
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers["ratelimit-remaining"], /^\d+$/);
      // So are requests for routes that do not exist: probing paths buys no more requests.
      const probe = await call(backend.url, "GET", "/v1/nope", undefined);
      assert.equal(expectStatus(probe, 404).code, "unknown_route");
      assert.equal(Number(probe.headers["ratelimit-remaining"]), Number(anonymous.headers["ratelimit-remaining"]) - 1);
      // Health checks are never throttled: a load balancer answered 429 would drop the instance.
      for (let i = 0; i < 450; i++) {
        const health = await call(backend.url, "GET", "/healthz", undefined);
        assert.equal(health.status, 200, `health check ${i} answered ${health.status}`);
        assert.equal(health.headers["ratelimit-limit"], undefined);
        assert.match(health.headers["x-request-id"], /^req_/);
      }
    });

    it("serves /healthz, /metrics without tenant data and /openapi.json without auth", async () => {
      assert.deepEqual(expectStatus(await call(backend.url, "GET", "/healthz", undefined), 200), { status: "ok" });
      const metrics = await call(backend.url, "GET", "/metrics", undefined);
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /tenancy_http_requests_total\{method="GET",route="\/v1\/organizations\/:orgId\/projects",status="200"\}/);
      assert.ok(!metrics.text.includes(orgId), "metrics must not name organizations");
      const doc = expectStatus(await call(backend.url, "GET", "/openapi.json", undefined), 200);
      assert.equal(doc.openapi, "3.1.0");
      assert.deepEqual(Object.keys(doc.paths["/v1/organizations/{orgId}/projects/{projectId}"]).sort(), ["delete", "get", "patch"]);
      assert.equal(doc.paths["/v1/organizations"].post.requestBody.content["application/json"].schema.required[0], "name");
      // The document promises a 429 exactly where the limit applies.
      assert.ok(doc.paths["/v1/organizations"].post.responses["429"]);
      assert.equal(doc.paths["/healthz"].get.responses["429"], undefined);
      // What a generated client needs beyond bodies: If-Match where 412 can answer, ETag, the limit's headers.
      const project = doc.paths["/v1/organizations/{orgId}/projects/{projectId}"];
      assert.deepEqual(project.patch.parameters.find((p: { name: string }) => p.name === "If-Match")?.in, "header");
      assert.equal(project.get.parameters.find((p: { name: string }) => p.name === "If-Match"), undefined);
      assert.deepEqual(Object.keys(project.get.responses["200"].headers).sort(), ["ETag", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]);
      assert.deepEqual(Object.keys(doc.paths["/v1/organizations"].post.responses["429"].headers).sort(), ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"]);
      assert.equal(doc.paths["/healthz"].get.responses["200"].headers, undefined);
      // The data plane's own refusals, declared by its routes; not the management request limit.
      const authorize = doc.paths["/v1/authorize"].post.responses;
      assert.deepEqual(Object.keys(authorize).sort(), ["200", "400", "401", "403", "413", "422", "429", "503"]);
      assert.equal(authorize["403"].description, "key_invalid; or read_only_key; or model_not_allowed");
      // Only a gateway credential calls the data plane.
      assert.deepEqual(doc.paths["/v1/authorize"].post.security, [{ gatewayCredential: [] }]);
      assert.equal(doc.components.securitySchemes.gatewayCredential.description, "a gateway credential (tgw_…) of the platform operator: the data plane's only caller");
      assert.equal(doc.components.securitySchemes.apiKey, undefined);
      assert.equal(doc.paths["/v1/usage"].post.responses["429"].description, "rate_limited");
      assert.equal(authorize["429"].description, "limit_exceeded");
      assert.deepEqual(Object.keys(authorize["429"].headers), ["Retry-After"]);
      assert.equal(doc.paths["/v1/usage"].post.responses["422"].description, "unknown_model");
      assert.deepEqual(Object.keys(doc.components.headers).sort(), ["ETag", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"]);
    });
  });
}
