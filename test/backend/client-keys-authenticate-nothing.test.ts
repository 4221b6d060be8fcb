import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../backend/app";
import { loadConfig } from "../../backend/config";
import { bootstrapIfEmpty } from "../../backend/services/bootstrap.service";
import { openStore, Store } from "../../backend/store/db";
import { migrateToLatest } from "../../backend/store/migrate";
import { startUsage } from "../../backend/usage/usage.runtime";

/**
 * A project API key is the subject of a data-plane decision, never a caller (DESIGN.md): as a
 * bearer it gets the same 401 as no credential at all, on every authenticated route of the table,
 * management and data plane alike.
 */
describe("a project API key authenticates nothing", () => {
  const token = "bootstrap-client-keys-0123456789abcdef";
  const dir = mkdtempSync(join(tmpdir(), "tenancy-client-keys-"));
  let store: Store;
  let app: FastifyInstance;
  let key: { id: string; secret: string };
  const send = (method: string, url: string, bearer: string, payload?: object) =>
    app.inject({ method: method as "GET", url, headers: { authorization: `Bearer ${bearer}` }, ...(payload ? { payload } : {}) });

  before(async () => {
    store = openStore(`sqlite:${join(dir, "t.db")}`);
    await migrateToLatest(store.db);
    await bootstrapIfEmpty(store, { email: "root@keys.test", token });
    const silent = new Writable({ write: (_c, _e, done) => done() });
    const config = loadConfig({ TENANCY_DATABASE_URL: "sqlite:unused" });
    app = buildApp({ config, store, usage: await startUsage(store, config.usage), logStream: silent });
    const org = (await send("POST", "/v1/organizations", token, { name: "Keys" })).json().id;
    const project = (await send("POST", `/v1/organizations/${org}/projects`, token, { name: "p", environment: "other" })).json().id;
    await send("POST", `/v1/organizations/${org}/projects/${project}/members`, token, { email: "root@keys.test", role: "owner" });
    key = (await send("POST", `/v1/organizations/${org}/projects/${project}/api-keys`, token, { name: "k", owner: "root@keys.test" })).json();
    assert.match(key.secret, /^tpk_/);
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gets 401 unauthenticated on every authenticated route, data plane included", async () => {
    // Every operation the app serves, from its own /openapi.json (the route table, sign-in and
    // invitation routes alike), less those that take no credential at all.
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const authenticated = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !(Array.isArray(op.security) && op.security.length === 0))
        .map(([method]) => ({ method: method.toUpperCase(), path })),
    );
    for (const op of ["POST /v1/authorize", "POST /v1/invitations/{invitationId}/accept", "POST /v1/auth/logout"]) {
      assert.ok(authenticated.some((r) => `${r.method} ${r.path}` === op), `${op} is walked`);
    }
    const answered: string[] = [];
    for (const r of authenticated) {
      // Ids of the right shape, so the route is reached: the credential is refused before they are read.
      const url = r.path.replace(/\{(\w+)\}/g, (_m, name: string) => `${name.replace(/Id$/, "").slice(0, 4)}_x`);
      const res = await send(r.method, url, key.secret, r.method === "GET" || r.method === "DELETE" ? undefined : {});
      answered.push(`${r.method} ${r.path} ${res.statusCode} ${res.json().code}`);
    }
    assert.deepEqual(answered.filter((a) => !a.endsWith(" 401 unauthenticated")), []);
  });
});
