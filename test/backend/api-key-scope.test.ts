import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../backend/app";
import { startUsage } from "../../backend/usage/usage.runtime";
import { loadConfig } from "../../backend/config";
import { route } from "../../backend/http/route";
import { API_ROUTES } from "../../backend/routes";
import { bootstrapIfEmpty } from "../../backend/services/bootstrap.service";
import { openStore, Store } from "../../backend/store/db";
import { migrateToLatest } from "../../backend/store/migrate";

/**
 * The data plane's scope, with a stand-in data-plane route (the usage routes declare the same
 * scope): a project API key gets in, management tokens do not, and API keys get nowhere else.
 */
describe("the apiKey scope", () => {
  const token = "bootstrap-apikey-scope-0123456789abcdef";
  const dir = mkdtempSync(join(tmpdir(), "tenancy-apikey-"));
  let store: Store;
  let app: FastifyInstance;
  const whoami = route({
    method: "POST",
    path: "/v1/test-data-plane",
    operationId: "testDataPlane",
    scope: "apiKey",
    permission: "useApiKey",
    summary: "test",
    status: 200,
    handler: async ({ key }) => ({ apiKeyId: key.apiKey.id, projectId: key.project.id, organizationId: key.organization.id }),
  });
  const send = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, bearer: string, payload?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${bearer}` }, ...(payload ? { payload } : {}) });
  let org: string;
  let project: string;
  let key: { id: string; secret: string };

  before(async () => {
    store = openStore(`sqlite:${join(dir, "t.db")}`);
    await migrateToLatest(store.db);
    await bootstrapIfEmpty(store, { email: "root@apikey.test", token });
    const silent = new Writable({ write: (_c, _e, done) => done() });
    const config = loadConfig({ TENANCY_DATABASE_URL: "sqlite:unused" });
    app = buildApp({ config, store, usage: await startUsage(store, config.usage), logStream: silent, routes: [...API_ROUTES, whoami] });
    org = (await send("POST", "/v1/organizations", token, { name: "Data" })).json().id;
    project = (await send("POST", `/v1/organizations/${org}/projects`, token, { name: "p", environment: "other" })).json().id;
    await send("POST", `/v1/organizations/${org}/projects/${project}/members`, token, { email: "root@apikey.test", role: "owner" });
    key = (await send("POST", `/v1/organizations/${org}/projects/${project}/api-keys`, token, { name: "k", owner: "root@apikey.test" })).json();
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("resolves a project API key to its key, project and organization", async () => {
    const res = await send("POST", "/v1/test-data-plane", key.secret);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { apiKeyId: key.id, projectId: project, organizationId: org });
  });

  it("refuses management tokens on the data plane and API keys on the management API with 401", async () => {
    const plane = await send("POST", "/v1/test-data-plane", token);
    assert.deepEqual([plane.statusCode, plane.json().code], [401, "unauthenticated"]);
    const management = await send("GET", "/v1/me", key.secret);
    assert.deepEqual([management.statusCode, management.json().code], [401, "unauthenticated"]);
  });

  it("refuses an expired key, a revoked key and any key of an archived project with the same 401", async () => {
    const make = async (name: string) => (await send("POST", `/v1/organizations/${org}/projects/${project}/api-keys`, token, { name, owner: "root@apikey.test" })).json();
    const expired = await make("expired");
    await store.db.updateTable("api_keys").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("id", "=", expired.id).execute();
    const revoked = await make("revoked");
    await send("DELETE", `/v1/organizations/${org}/projects/${project}/api-keys/${revoked.id}`, token);
    const bodies = [];
    for (const k of [expired, revoked]) {
      const res = await send("POST", "/v1/test-data-plane", k.secret);
      assert.equal(res.statusCode, 401);
      bodies.push({ ...res.json(), requestId: "-" });
    }
    const live = await make("live");
    assert.equal((await send("POST", "/v1/test-data-plane", live.secret)).statusCode, 200);
    // Archiving revokes the keys; a key left unrevoked (a crash, an old row) is refused by the project's status.
    await send("DELETE", `/v1/organizations/${org}/projects/${project}`, token);
    await store.db.updateTable("api_keys").set({ revoked_at: null }).where("id", "=", live.id).execute();
    const archived = await send("POST", "/v1/test-data-plane", live.secret);
    assert.equal(archived.statusCode, 401);
    bodies.push({ ...archived.json(), requestId: "-" });
    assert.deepEqual(bodies[1], bodies[0]);
    assert.deepEqual(bodies[2], bodies[0]);
    assert.equal(bodies[0].code, "unauthenticated");
  });
});
