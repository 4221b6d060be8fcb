import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DIALECTS } from "../support/backend";
import { call, expectStatus, mintToken, sqlQuery, useBackend } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`secrets (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect, env: { TENANCY_LOG_LEVEL: "debug" } });
    const secrets: string[] = [];
    let org: string;
    let project: string;

    before(async () => {
      secrets.push(backend.token);
      org = expectStatus(await root.post("/v1/organizations", { name: "Vault" }), 201).id;
      project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "vault", environment: "development" }), 201).id;
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/members`, { email: backend.email, role: "owner" }), 201);
      const keyHeaders = { "idempotency-key": "vault-key" };
      const key = expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/api-keys`, { name: "k", owner: backend.email }, { headers: keyHeaders }), 201);
      secrets.push(key.secret);
      const replay = expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/api-keys`, { name: "k", owner: backend.email }, { headers: keyHeaders }), 200);
      assert.equal("secret" in replay, false);
      const own = expectStatus(await root.post("/v1/tokens", { name: "own" }, { headers: { "idempotency-key": "vault-token" } }), 201);
      secrets.push(own.token);
      assert.equal("token" in expectStatus(await root.post("/v1/tokens", { name: "own" }, { headers: { "idempotency-key": "vault-token" } }), 200), false);
      const sa = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "bot", role: "member" }), 201);
      secrets.push(expectStatus(await root.post(`/v1/organizations/${org}/service-accounts/${sa.userId}/tokens`, { name: "t" }), 201).token);
      const minted = await mintToken(backend, "cli@vault.test");
      assert.match(minted, /^tmt_[0-9A-Za-z]{49}$/);
      secrets.push(minted);
      // Use every credential once, so the log has had every chance to see them.
      for (const s of secrets) await call(backend.url, "GET", "/v1/me", s);
      await call(backend.url, "GET", `/v1/organizations/${org}/projects/${project}/api-keys?externalId=${key.secret}`, backend.token);
      await call(backend.url, "GET", "/v1/nothing", key.secret);
    });

    const leaks = (text: string) => secrets.filter((s) => text.includes(s) || text.includes(s.slice(4, 30)));

    it("shows no secret in any response after the create response", async () => {
      const paths = [
        "/v1/me",
        "/v1/tokens?limit=100",
        `/v1/organizations/${org}`,
        `/v1/organizations/${org}/members?limit=100`,
        `/v1/organizations/${org}/service-accounts`,
        `/v1/organizations/${org}/projects/${project}/api-keys?limit=100`,
        `/v1/organizations/${org}/audit-events?limit=100`,
        "/openapi.json",
        "/metrics",
      ];
      for (const path of paths) {
        const res = await call(backend.url, "GET", path, backend.token);
        assert.ok(res.status < 300, `${path}: ${res.status}`);
        assert.deepEqual(leaks(res.text), [], path);
      }
      const listed = expectStatus(await root.get(`/v1/organizations/${org}/projects/${project}/api-keys`), 200);
      assert.match(listed.data[0].redactedValue, /^tpk_…[0-9A-Za-z]{4}$/);
    });

    it("writes no secret and no Authorization header to the log", async () => {
      const logs = backend.logs();
      assert.ok(logs.includes('"msg":"request completed"'), "one line per request was expected");
      assert.deepEqual(leaks(logs), []);
      assert.ok(!/bearer/i.test(logs), "an Authorization header reached the log");
      for (const line of logs.split("\n").filter(Boolean)) JSON.parse(line);
    });

    it("keeps no secret in clear in any table, only SHA-256 hashes", async () => {
      const tables = ["users", "tokens", "organizations", "org_members", "projects", "project_members", "api_keys", "audit_events", "idempotency_keys"];
      let cells = 0;
      for (const table of tables) {
        for (const row of await sqlQuery(backend, `SELECT * FROM ${table}`)) {
          for (const value of Object.values(row)) {
            cells++;
            assert.deepEqual(leaks(String(value)), [], `${table}: ${String(value).slice(0, 80)}`);
          }
        }
      }
      const hashes = await sqlQuery(backend, "SELECT hash FROM tokens UNION ALL SELECT hash FROM api_keys");
      assert.ok(hashes.length >= secrets.length);
      assert.ok(hashes.every((h: any) => /^[0-9a-f]{64}$/.test(h.hash)));
      console.log(`      database cells scanned: ${cells}`);
    });

    if (dialect.name === "sqlite") {
      it("leaves no secret in the SQLite file or its write-ahead log", () => {
        const dir = dirname(backend.databaseUrl.slice("sqlite:".length));
        for (const file of readdirSync(dir)) {
          const bytes = readFileSync(join(dir, file)).toString("latin1");
          assert.deepEqual(leaks(bytes), [], file);
        }
      });
    }
  });
}
