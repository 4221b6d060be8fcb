import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { client, expectStatus, editStore, mintToken, person, useBackend } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`management tokens, /v1/me and organization policy (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect, env: { TENANCY_TRUSTED_PROXIES: "127.0.0.1/32" } });

    it("mints, lists, reads and revokes the caller's own tokens", async () => {
      const created = expectStatus(await root.post("/v1/tokens", { name: "laptop", expiresInDays: 1 }), 201);
      assert.match(created.token, /^tmt_[0-9A-Za-z]{49}$/);
      const { token, ...shown } = created;
      assert.deepEqual(shown, { id: created.id, userId: shown.userId, name: "laptop", redactedValue: `tmt_…${token.slice(-4)}`, expiresAt: shown.expiresAt, status: "active", createdAt: shown.createdAt });
      assert.deepEqual(expectStatus(await root.get(`/v1/tokens/${created.id}`), 200), shown);
      const laptop = client(backend, token);
      assert.equal(expectStatus(await laptop.get("/v1/me"), 200).token.id, created.id);
      const listed = expectStatus(await root.get("/v1/tokens"), 200);
      assert.deepEqual(listed.data.map((t: any) => t.name), ["bootstrap", "laptop"]);
      assert.ok(listed.data.every((t: any) => !("token" in t)));
      expectStatus(await root.delete(`/v1/tokens/${created.id}`), 204);
      assert.equal(expectStatus(await laptop.get("/v1/me"), 401).code, "unauthenticated");
      assert.equal(expectStatus(await root.get(`/v1/tokens/${created.id}`), 200).status, "revoked");
    });

    it("never shows or revokes another user's token", async () => {
      const other = await person(backend, "other@tokens.test");
      const mine = expectStatus(await root.post("/v1/tokens", { name: "mine" }), 201);
      expectStatus(await other.get(`/v1/tokens/${mine.id}`), 404);
      expectStatus(await other.delete(`/v1/tokens/${mine.id}`), 404);
    });

    it("refuses expired tokens and tokens older than the organization's maxTokenLifetimeDays", async () => {
      const t = await mintToken(backend, "aged@tokens.test", 1);
      const aged = client(backend, t);
      const org = expectStatus(await root.post("/v1/organizations", { name: "Strict", securityPolicy: { session: { maxTokenLifetimeDays: 7 } } }), 201);
      expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: "aged@tokens.test", role: "member" }), 201);
      expectStatus(await aged.get(`/v1/organizations/${org.id}`), 200);
      const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
      await editStore(backend, "UPDATE tokens SET created_at = $1, expires_at = NULL WHERE user_id = (SELECT id FROM users WHERE email = $2)", [eightDaysAgo, "aged@tokens.test"]);
      const problem = expectStatus(await aged.get(`/v1/organizations/${org.id}`), 401);
      assert.equal(problem.code, "token_too_old");
      // Other routes (no organization policy) still work with that token, and a fresh token works.
      expectStatus(await aged.get("/v1/me"), 200);
      expectStatus(await client(backend, await mintToken(backend, "aged@tokens.test")).get(`/v1/organizations/${org.id}`), 200);
      await editStore(backend, "UPDATE tokens SET expires_at = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)", [eightDaysAgo, "aged@tokens.test"]);
      assert.equal(expectStatus(await aged.get("/v1/me"), 401).code, "unauthenticated");
    });

    it("enforces the IP allowlist, believing X-Forwarded-For only from trusted proxies", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Fenced" }), 201);
      const lockout = expectStatus(await root.patch(`/v1/organizations/${org.id}`, { securityPolicy: { ipAllowlist: ["203.0.113.0/24"] } }), 400);
      assert.deepEqual(lockout.errors, [{ path: "securityPolicy.ipAllowlist", message: "must include your own address 127.0.0.1, or you would lock yourself out" }]);
      const fence = { securityPolicy: { ipAllowlist: ["203.0.113.0/24"] } };
      expectStatus(await root.patch(`/v1/organizations/${org.id}`, fence, { headers: { "x-forwarded-for": "203.0.113.9" } }), 200);
      // The test client is 127.0.0.1, a trusted proxy here: its X-Forwarded-For is the client address.
      const blocked = await root.get(`/v1/organizations/${org.id}`, { headers: { "x-forwarded-for": "198.51.100.7" } });
      assert.equal(expectStatus(blocked, 403).code, "ip_not_allowed");
      expectStatus(await root.get(`/v1/organizations/${org.id}`, { headers: { "x-forwarded-for": "203.0.113.9" } }), 200);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${org.id}`), 403).code, "ip_not_allowed");
      // Routes outside the organization are not fenced.
      expectStatus(await root.get("/v1/me", { headers: { "x-forwarded-for": "198.51.100.7" } }), 200);
      expectStatus(await root.patch(`/v1/organizations/${org.id}`, { securityPolicy: { ipAllowlist: [] } }, { headers: { "x-forwarded-for": "203.0.113.9" } }), 200);
      expectStatus(await root.get(`/v1/organizations/${org.id}`), 200);
    });

    it("describes the caller in /v1/me with organizations and projects", async () => {
      const ana = await person(backend, "ana@me.test");
      const org = expectStatus(await root.post("/v1/organizations", { name: "Me Org" }), 201);
      const p = expectStatus(await root.post(`/v1/organizations/${org.id}/projects`, { name: "me-proj", environment: "development" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: ana.email, role: "billing" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org.id}/projects/${p.id}/members`, { email: ana.email, role: "viewer" }), 201);
      const me = expectStatus(await ana.get("/v1/me"), 200);
      assert.deepEqual(me, {
        user: { id: me.user.id, email: "ana@me.test", kind: "person" },
        token: { id: me.token.id, name: "cli", breakGlass: true },
        organizations: [{ id: org.id, name: "Me Org", role: "billing" }],
        projects: [{ id: p.id, organizationId: org.id, name: "me-proj", status: "active", role: "viewer" }],
      });
    });

    it("lists /v1/me's organizations and projects in creation order, each once, across organizations", async () => {
      const eve = await person(backend, "eve@me.test");
      const [first, second] = [expectStatus(await root.post("/v1/organizations", { name: "Me First" }), 201), expectStatus(await root.post("/v1/organizations", { name: "Me Second" }), 201)];
      const project = async (org: { id: string }, name: string) => expectStatus(await root.post(`/v1/organizations/${org.id}/projects`, { name, environment: "development" }), 201);
      const [a, b, c] = [await project(first, "me-a"), await project(second, "me-b"), await project(first, "me-c")];
      await project(first, "me-unjoined");
      // Joined in another order than created: the answer follows creation.
      expectStatus(await root.post(`/v1/organizations/${second.id}/members`, { email: eve.email, role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${first.id}/members`, { email: eve.email, role: "viewer" }), 201);
      for (const [org, p, role] of [[first, c, "owner"], [second, b, "member"], [first, a, "viewer"]] as const) {
        expectStatus(await root.post(`/v1/organizations/${org.id}/projects/${p.id}/members`, { email: eve.email, role }), 201);
      }
      const me = expectStatus(await eve.get("/v1/me"), 200);
      assert.deepEqual(me, {
        user: { id: me.user.id, email: "eve@me.test", kind: "person" },
        token: { id: me.token.id, name: "cli", breakGlass: true },
        organizations: [
          { id: first.id, name: "Me First", role: "viewer" },
          { id: second.id, name: "Me Second", role: "member" },
        ],
        projects: [
          { id: a.id, organizationId: first.id, name: "me-a", status: "active", role: "viewer" },
          { id: b.id, organizationId: second.id, name: "me-b", status: "active", role: "member" },
          { id: c.id, organizationId: first.id, name: "me-c", status: "active", role: "owner" },
        ],
      });
    });
  });
}
