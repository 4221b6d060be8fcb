import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { client, expectStatus, editStore, person, sqlQuery, useBackend } from "./helpers";

/**
 * Regressions for the holes of issue 7 that an attacker inside a customer found: each test
 * failed on the code before the request pipeline.
 */
for (const dialect of DIALECTS) {
  describe(`access holes (${dialect.name})`, function () {
    // 127.0.0.1 (the test client) is a trusted proxy: X-Forwarded-For sets the caller's address.
    const { backend, root } = useBackend({ dialect, env: { TENANCY_TRUSTED_PROXIES: "127.0.0.1/32" } });
    const proxied = (ip: string) => ({ headers: { "x-forwarded-for": ip } });

    const backdate = (column: string, minutesAgo: number, email: string) =>
      editStore(backend, `UPDATE tokens SET ${column} = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)`, [new Date(Date.now() - minutesAgo * 60_000).toISOString(), email]);

    it("never lets a service account be added to another organization or get tokens minted through it", async () => {
      const a = expectStatus(await root.post("/v1/organizations", { name: "Victim" }), 201).id;
      const mallory = await person(backend, "mallory@holes.test");
      expectStatus(await root.post(`/v1/organizations/${a}/members`, { email: mallory.email, role: "member" }), 201);
      const sa = expectStatus(await root.post(`/v1/organizations/${a}/service-accounts`, { name: "ci", role: "admin" }), 201);
      const ciToken = expectStatus(await root.post(`/v1/organizations/${a}/service-accounts/${sa.userId}/tokens`, { name: "ci" }), 201).token;
      const listed = expectStatus(await mallory.get(`/v1/organizations/${a}/service-accounts`), 200).data;
      assert.equal(listed[0].email, sa.email);
      const own = expectStatus(await mallory.post("/v1/organizations", { name: "Mallory's" }), 201).id;
      const added = expectStatus(await mallory.post(`/v1/organizations/${own}/members`, { email: sa.email, role: "member" }), 400);
      assert.deepEqual(added.errors, [{ path: "email", message: "must be a person's address; service accounts (…@service-accounts.tenancy.invalid) belong to the one organization that created them" }]);
      // Any address at that domain is refused alike, existing or not: no oracle for other orgs' accounts.
      const ghost = expectStatus(await mallory.post(`/v1/organizations/${own}/members`, { email: "sa-0@service-accounts.tenancy.invalid", role: "member" }), 400);
      assert.deepEqual(ghost.errors, added.errors);
      const minted = expectStatus(await mallory.post(`/v1/organizations/${own}/service-accounts/${sa.userId}/tokens`, { name: "stolen" }), 404);
      assert.equal(minted.detail, `service account "${sa.userId}" not found`);
      const me = expectStatus(await mallory.get("/v1/me"), 200);
      assert.equal(expectStatus(await mallory.patch(`/v1/organizations/${a}/members/${me.user.id}`, { role: "admin" }), 403).code, "forbidden");
      // In its own organization the account is simply an existing member (409, as for anyone).
      const again = expectStatus(await root.post(`/v1/organizations/${a}/members`, { email: sa.email, role: "member" }), 409);
      assert.deepEqual([again.code, again.existing.userId], ["member_exists", sa.userId]);
      // A's own token still works: nothing the attacker did revoked it.
      expectStatus(await client(backend, ciToken).get(`/v1/organizations/${a}`), 200);
    });

    it("leaves an organization whose IP allowlist excludes the caller out of every list and /v1/me", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Fenced by IP" }), 201).id;
      const p = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "fenced", environment: "other" }), 201).id;
      const ana = await person(backend, "ana@holes.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: ana.email, role: "admin" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${p}/members`, { email: ana.email, role: "owner" }), 201);
      expectStatus(await root.patch(`/v1/organizations/${org}`, { securityPolicy: { ipAllowlist: ["203.0.113.0/24"] } }, proxied("203.0.113.9")), 200);
      const outside = proxied("198.51.100.7");
      assert.equal(expectStatus(await ana.get(`/v1/organizations/${org}`, outside), 403).code, "ip_not_allowed");
      assert.deepEqual(expectStatus(await ana.get("/v1/organizations", outside), 200).data, []);
      const me = expectStatus(await ana.get("/v1/me", outside), 200);
      assert.deepEqual([me.organizations, me.projects], [[], []]);
      // From inside the allowlist, all of it is there.
      const inside = expectStatus(await ana.get("/v1/me", proxied("203.0.113.9")), 200);
      assert.deepEqual(inside.organizations, [{ id: org, name: "Fenced by IP", role: "admin" }]);
      assert.deepEqual(inside.projects.map((x: { id: string }) => x.id), [p]);
    });

    it("leaves an organization that refuses the token as too old out of every list and /v1/me", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Short-lived", securityPolicy: { session: { maxTokenLifetimeDays: 7 } } }), 201).id;
      const bo = await person(backend, "bo@holes.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: bo.email, role: "member" }), 201);
      assert.equal(expectStatus(await bo.get("/v1/organizations"), 200).data.length, 1);
      await backdate("created_at", 8 * 24 * 60, bo.email);
      assert.equal(expectStatus(await bo.get(`/v1/organizations/${org}`), 401).code, "token_too_old");
      assert.deepEqual(expectStatus(await bo.get("/v1/organizations"), 200).data, []);
      assert.deepEqual(expectStatus(await bo.get("/v1/me"), 200).organizations, []);
    });

    it("gives a token minted with a token its parent's age, so a too-old token cannot be laundered", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "No laundering", securityPolicy: { session: { maxTokenLifetimeDays: 7 } } }), 201).id;
      const cy = await person(backend, "cy@holes.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: cy.email, role: "member" }), 201);
      await backdate("created_at", 8 * 24 * 60, cy.email);
      const child = client(backend, expectStatus(await cy.post("/v1/tokens", { name: "fresh?" }), 201).token);
      const refused = expectStatus(await child.get(`/v1/organizations/${org}`), 401);
      assert.equal(refused.code, "token_too_old");
      const grandchild = client(backend, expectStatus(await child.post("/v1/tokens", { name: "fresher?" }), 201).token);
      assert.equal(expectStatus(await grandchild.get(`/v1/organizations/${org}`), 401).code, "token_too_old");
    });

    it("refuses a person's token idle for longer than idleTimeoutMinutes with token_idle, but not a service account's", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Idle", securityPolicy: { session: { idleTimeoutMinutes: 5 } } }), 201).id;
      const di = await person(backend, "di@holes.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: di.email, role: "member" }), 201);
      const sa = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "deployer", role: "member" }), 201);
      const bot = client(backend, expectStatus(await root.post(`/v1/organizations/${org}/service-accounts/${sa.userId}/tokens`, { name: "ci" }), 201).token);
      expectStatus(await di.get(`/v1/organizations/${org}`), 200);
      expectStatus(await bot.get(`/v1/organizations/${org}`), 200);
      await backdate("last_used_at", 30, di.email);
      await backdate("last_used_at", 30, sa.email);
      const idle = expectStatus(await di.get(`/v1/organizations/${org}`), 401);
      assert.deepEqual(idle, {
        type: "https://tenancy.dev/problems/token-idle",
        title: "Token idle",
        status: 401,
        detail: "this organization refuses management tokens that went unused for more than 5 minutes (securityPolicy.session.idleTimeoutMinutes); get a new one with npm run token on the server host",
        code: "token_idle",
        requestId: idle.requestId,
      });
      // Idleness is final: the refused request, a use elsewhere, or a child token do not revive it.
      expectStatus(await di.get("/v1/me"), 200);
      assert.equal(expectStatus(await di.get(`/v1/organizations/${org}`), 401).code, "token_idle");
      const child = client(backend, expectStatus(await di.post("/v1/tokens", { name: "child" }), 201).token);
      assert.equal(expectStatus(await child.get(`/v1/organizations/${org}`), 401).code, "token_idle");
      expectStatus(await bot.get(`/v1/organizations/${org}`), 200);
    });

    it("revokes a service account's tokens with its deleted organization", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Doomed" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "ci", role: "member" }), 201);
      const bot = client(backend, expectStatus(await root.post(`/v1/organizations/${org}/service-accounts/${sa.userId}/tokens`, { name: "ci" }), 201).token);
      expectStatus(await bot.get("/v1/me"), 200);
      expectStatus(await root.delete(`/v1/organizations/${org}`), 204);
      assert.equal(expectStatus(await bot.get("/v1/me"), 401).code, "unauthenticated");
      const revoked = await sqlQuery(backend, "SELECT revoked_at FROM tokens WHERE user_id = $1", [sa.userId]);
      assert.ok(revoked.length === 1 && revoked[0].revoked_at !== null);
    });
  });
}
