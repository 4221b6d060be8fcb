import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { openStore } from "../../backend/store/db";
import { listAuditEvents } from "../../backend/store/audit.repository";
import { client, expectStatus, editStore, mintToken, person, sqlQuery, useBackend } from "./helpers";

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
    /** An organization with `idleTimeoutMinutes` and a person, a member of it, with their client. */
    const idleOrganization = async (name: string, idleTimeoutMinutes: number, email: string) => {
      const org = expectStatus(await root.post("/v1/organizations", { name, securityPolicy: { session: { idleTimeoutMinutes } } }), 201).id as string;
      const member = await person(backend, email);
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: member.email, role: "member" }), 201);
      return { org, member };
    };

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

    it("tells a service account whose token is too old where its admins mint a new one (it cannot sign in)", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Old robots", securityPolicy: { session: { maxTokenLifetimeDays: 7 } } }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "old-ci", role: "member" }), 201);
      const bot = client(backend, expectStatus(await root.post(`/v1/organizations/${org}/service-accounts/${sa.userId}/tokens`, { name: "ci" }), 201).token);
      await backdate("created_at", 8 * 24 * 60, sa.email);
      const refused = expectStatus(await bot.get(`/v1/organizations/${org}`), 401);
      assert.equal(refused.code, "token_too_old");
      assert.equal(
        refused.detail,
        `this organization refuses management tokens older than 7 days (securityPolicy.session.maxTokenLifetimeDays); tokens minted with POST /v1/tokens keep their parent's age, so get a new one: an admin of the organization mints the service account a new one (POST /v1/organizations/${org}/service-accounts/${sa.userId}/tokens)`,
      );
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
      const { org, member: di } = await idleOrganization("Idle", 5, "di@holes.test");
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
        detail: "this organization refuses management tokens that went unused for more than 5 minutes (securityPolicy.session.idleTimeoutMinutes); get a new one: sign in again (tenancy login), or mint one with npm run token on the server host",
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

    it("remembers a pause shorter than idleTimeoutMinutes as that long, not longer: the token keeps working after it", async () => {
      const { org, member: ed } = await idleOrganization("Patient", 60, "ed@holes.test");
      await backdate("last_used_at", 30, ed.email);
      // This request ends a 30-minute pause, which is recorded as the token's longest; the next ones are judged on it.
      expectStatus(await ed.get(`/v1/organizations/${org}`), 200);
      const [{ idle_max_seconds: recorded }] = await sqlQuery(backend, "SELECT idle_max_seconds FROM tokens WHERE user_id = (SELECT id FROM users WHERE email = $1)", [ed.email]);
      assert.ok(Number(recorded) >= 1800 && Number(recorded) < 1860, `the pause is recorded in seconds: ${recorded}`);
      expectStatus(await ed.get(`/v1/organizations/${org}`), 200);
      expectStatus(await ed.get("/v1/organizations"), 200);
    });

    it("lets a person's token idle up to a minute past idleTimeoutMinutes, the precision its last use is written with", async () => {
      const { org, member: ivy } = await idleOrganization("Minute grace", 5, "ivy@holes.test");
      // Last written 5.5 minutes ago: it may have been used up to a minute later without a write.
      await backdate("last_used_at", 5.5, ivy.email);
      expectStatus(await ivy.get(`/v1/organizations/${org}`), 200);
    });

    it("writes a token's last use at most once a minute: a read right after one is not a write", async () => {
      const hal = await person(backend, "hal@holes.test");
      const tokenId = expectStatus(await hal.get("/v1/me"), 200).token.id;
      // An old token (made ten minutes ago) whose last use was just recorded.
      await backdate("created_at", 10, hal.email);
      const first = expectStatus(await hal.get(`/v1/tokens/${tokenId}`), 200).lastUsedAt;
      const start = Date.now();
      while (Date.now() === start) await new Promise((r) => setImmediate(r));
      assert.equal(expectStatus(await hal.get(`/v1/tokens/${tokenId}`), 200).lastUsedAt, first, "the second read did not touch the token again");
    });

    it("keeps a service account in its one organization: it creates no organization and mints no token of its own", async () => {
      const a = expectStatus(await root.post("/v1/organizations", { name: "Home" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${a}/service-accounts`, { name: "ci", role: "admin" }), 201);
      const bot = client(backend, expectStatus(await root.post(`/v1/organizations/${a}/service-accounts/${sa.userId}/tokens`, { name: "ci" }), 201).token);
      const denied =
        "your role does not allow you to do this as a service account: a service account acts only in its own organization, whose admins mint its tokens (POST /v1/organizations/{orgId}/service-accounts/{userId}/tokens)";
      const org = expectStatus(await bot.post("/v1/organizations", { name: "Second home" }), 403);
      assert.deepEqual([org.code, org.detail], ["forbidden", denied]);
      const token = expectStatus(await bot.post("/v1/tokens", { name: "self-made" }), 403);
      assert.deepEqual([token.code, token.detail], ["forbidden", denied]);
      assert.deepEqual(expectStatus(await bot.get("/v1/me"), 200).organizations, [{ id: a, name: "Home", role: "admin" }]);
      assert.equal((await sqlQuery(backend, "SELECT id FROM tokens WHERE user_id = $1", [sa.userId])).length, 1);
    });

    it("names no fenced organization in an externalId conflict, an idempotent replay or a list cursor", async () => {
      const eve = await person(backend, "eve@holes.test");
      const inside = proxied("203.0.113.9");
      const outside = proxied("198.51.100.7");
      const fenced = { name: "Fenced", externalId: "ext-fenced", billing: { plan: "team", billingEmail: "money@holes.test" }, securityPolicy: { ipAllowlist: ["203.0.113.0/24"] } };
      const f = expectStatus(await eve.post("/v1/organizations", fenced, { headers: { ...inside.headers, "idempotency-key": "create-fenced" } }), 201).id;
      const open = expectStatus(await eve.post("/v1/organizations", { name: "Open" }, outside), 201).id;
      // From inside the allowlist the conflict names the organization and carries it (a retried create finds it).
      const seen = expectStatus(await eve.post("/v1/organizations", { name: "X", externalId: "ext-fenced" }, inside), 409);
      assert.deepEqual([seen.detail, seen.existing.id], [`externalId "ext-fenced" is already used by organization ${f}`, f]);
      for (const res of [await eve.post("/v1/organizations", { name: "X", externalId: "ext-fenced" }, outside), await eve.patch(`/v1/organizations/${open}`, { externalId: "ext-fenced" }, outside)]) {
        const body = expectStatus(res, 409);
        assert.deepEqual([body.code, body.detail, body.existing], ["external_id_taken", 'externalId "ext-fenced" is already used by another organization you created', undefined]);
        assert.ok(!res.text.includes(f) && !res.text.includes("money@holes.test"));
      }
      // The replay is answered as a read of the organization would be now: refused from outside.
      const replayed = await eve.post("/v1/organizations", fenced, { headers: { ...outside.headers, "idempotency-key": "create-fenced" } });
      assert.equal(expectStatus(replayed, 403).code, "ip_not_allowed");
      assert.ok(!replayed.text.includes("money@holes.test"));
      assert.equal(expectStatus(await eve.post("/v1/organizations", fenced, { headers: { ...inside.headers, "idempotency-key": "create-fenced" } }), 200).id, f);
      // One organization per page: the fenced one is skipped, and no cursor ever points at it.
      const page = expectStatus(await eve.get("/v1/organizations?limit=1", outside), 200);
      assert.deepEqual([page.data.map((o: { id: string }) => o.id), page.hasMore, page.nextCursor], [[open], false, null]);
      const all = expectStatus(await eve.get("/v1/organizations?limit=1", inside), 200);
      assert.deepEqual([all.data.map((o: { id: string }) => o.id), all.hasMore], [[f], true]);
    });

    it("gives a token minted with a token at most its parent's expiry", async () => {
      const fay = client(backend, await mintToken(backend, "fay@holes.test", 3));
      const parent = expectStatus(await fay.get("/v1/tokens"), 200).data[0];
      const child = expectStatus(await fay.post("/v1/tokens", { name: "child" }), 201);
      assert.equal(child.expiresAt, parent.expiresAt);
      const shorter = expectStatus(await client(backend, child.token).post("/v1/tokens", { name: "grandchild", expiresInDays: 1 }), 201);
      assert.ok(shorter.expiresAt < parent.expiresAt);
      const longer = expectStatus(await fay.post("/v1/tokens", { name: "forever", expiresInDays: 3650 }), 400);
      assert.deepEqual(longer.errors, [
        { path: "expiresInDays", message: `must not outlive the token that mints it, which expires at ${parent.expiresAt}; leave it out to expire then, or ask for fewer days` },
      ]);
    });

    it("names in a project conflict only a project the caller could read", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Hidden projects", settings: { membersCanCreateProjects: true } }), 201).id;
      const hidden = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "secret", environment: "staging", externalId: "ext-secret" }), 201).id;
      const gus = await person(backend, "gus@holes.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: gus.email, role: "member" }), 201);
      expectStatus(await gus.get(`/v1/organizations/${org}/projects/${hidden}`), 404);
      const byName = await gus.post(`/v1/organizations/${org}/projects`, { name: "secret", environment: "development" });
      assert.equal(expectStatus(byName, 409).detail, 'an active project named "secret" already exists in this organization (one you cannot see)');
      const byRef = await gus.post(`/v1/organizations/${org}/projects`, { name: "other", environment: "development", externalId: "ext-secret" });
      assert.deepEqual([expectStatus(byRef, 409).detail, byRef.body.existing], ['externalId "ext-secret" is already used by a project you cannot see', undefined]);
      assert.ok(!byName.text.includes(hidden) && !byRef.text.includes(hidden));
      // An admin is told which one.
      const admin = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "x", environment: "development", externalId: "ext-secret" }), 409);
      assert.deepEqual([admin.detail, admin.existing.id], [`externalId "ext-secret" is already used by project ${hidden}`, hidden]);
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

    // A third audit's findings.
    it("answers a NUL or control character in a filter or a cursor with a 400 naming it, on every store", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Filters" }), 201).id;
      const message = "must not contain control characters (NUL included) or unpaired surrogates";
      for (const [path, field] of [["/v1/organizations?name=%00", "name"], [`/v1/organizations/${org}/projects?name=a%00`, "name"], [`/v1/organizations/${org}/audit-events?actor=x%00`, "actor"], [`/v1/organizations/${org}/members?email=a%07b`, "email"]]) {
        const refused = expectStatus(await root.get(path), 400);
        assert.deepEqual([refused.detail, refused.errors], [`${field}: ${message}`, [{ path: field, message }]], path);
      }
      const cursor = Buffer.from(JSON.stringify(["2026-01-01T00:00:00.000Z", "org_\u0000"])).toString("base64url");
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations?after=${cursor}`), 400).errors, [{ path: "after", message: "must be a nextCursor value from a previous page" }]);
      const sso = expectStatus(await root.patch(`/v1/organizations/${org}`, { securityPolicy: { sso: { metadataUrl: "https://idp.example/\u0000" } } }), 400);
      assert.deepEqual(sso.errors, [{ path: "securityPolicy.sso.metadataUrl", message }]);
    });

    it("lists no audit events, without an error, for a project owner whose projects were all taken away", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Owners" }), 201).id;
      const store = openStore(backend.databaseUrl);
      try {
        // The pipeline's permission check and the owned-projects read are two reads: in between, the
        // last ownership can go. PostgreSQL refused the NUL sentinel that stood for "no project".
        const page = await listAuditEvents(store.db, org, { projectIds: [] }, { limit: 10 });
        assert.deepEqual([page.rows, page.hasMore], [[], false]);
      } finally {
        await store.close();
      }
    });

    it("lets only an organization's creator change its externalId, which is unique among the creator's organizations", async () => {
      expectStatus(await root.post("/v1/organizations", { name: "Creator's other", externalId: "urn:other" }), 201);
      const org = expectStatus(await root.post("/v1/organizations", { name: "Shared", externalId: "urn:shared" }), 201).id;
      const dan = await person(backend, "dan@holes.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: dan.email, role: "admin" }), 201);
      const message = "only the organization's creator may change externalId: it is their own reference, unique among the organizations they created";
      // Taken or not, the answer is the same: nothing tells dan which references the creator uses elsewhere.
      for (const externalId of ["urn:other", "urn:free", null]) {
        const refused = expectStatus(await dan.patch(`/v1/organizations/${org}`, { externalId }), 403);
        assert.deepEqual([refused.code, refused.detail], ["forbidden", message]);
      }
      expectStatus(await dan.patch(`/v1/organizations/${org}`, { name: "Shared, renamed", externalId: "urn:shared" }), 200);
      assert.equal(expectStatus(await root.patch(`/v1/organizations/${org}`, { externalId: "urn:shared-2" }), 200).externalId, "urn:shared-2");
    });

    it("keeps a service account's tokens within its own token's end, and its own revocations in its organization's log", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Self-renewal" }), 201).id;
      const one = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "one", role: "admin" }), 201);
      const two = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "two", role: "admin" }), 201);
      const short = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts/${one.userId}/tokens`, { name: "short", expiresInDays: 1 }), 201);
      const bot = client(backend, short.token);
      // For itself or for another account: never past its own token's end, and never "never".
      for (const target of [one.userId, two.userId]) {
        const minted = expectStatus(await bot.post(`/v1/organizations/${org}/service-accounts/${target}/tokens`, { name: "renewed" }), 201);
        assert.equal(minted.expiresAt, short.expiresAt);
        const longer = expectStatus(await bot.post(`/v1/organizations/${org}/service-accounts/${target}/tokens`, { name: "forever", expiresInDays: 3650 }), 400);
        assert.equal(longer.errors[0].path, "expiresInDays");
      }
      // A person minting a CI token delegates: no ceiling from the person's token.
      assert.equal(expectStatus(await root.post(`/v1/organizations/${org}/service-accounts/${two.userId}/tokens`, { name: "ci" }), 201).expiresAt, undefined);
      expectStatus(await bot.delete(`/v1/tokens/${short.id}`), 204);
      const log = expectStatus(await root.get(`/v1/organizations/${org}/audit-events?action=token.revoked`), 200).data;
      assert.deepEqual(log.map((e: any) => [e.actor.userId, e.target.id]), [[one.userId, short.id]]);
    });

    it("refuses a session policy that would lock out the admin who sets it", async () => {
      const eve = await person(backend, "eve@holes.test");
      const org = expectStatus(await eve.post("/v1/organizations", { name: "Lockout" }), 201).id;
      await backdate("created_at", 3 * 24 * 60, eve.email);
      const tooShort = expectStatus(await eve.patch(`/v1/organizations/${org}`, { securityPolicy: { session: { maxTokenLifetimeDays: 2 } } }), 400);
      assert.equal(tooShort.errors[0].path, "securityPolicy.session.maxTokenLifetimeDays");
      assert.match(tooShort.errors[0].message, /^must be at least 4, the age in days of the token you use .*or you would lock yourself out; or first get a new token: sign in again \(tenancy login\), or mint one with npm run token on the server host$/);
      expectStatus(await eve.patch(`/v1/organizations/${org}`, { securityPolicy: { session: { maxTokenLifetimeDays: 4 } } }), 200);
      const flo = await person(backend, "flo@holes.test");
      const flos = expectStatus(await flo.post("/v1/organizations", { name: "Idle lockout" }), 201).id;
      await backdate("last_used_at", 90, flo.email);
      const idle = expectStatus(await flo.patch(`/v1/organizations/${flos}`, { securityPolicy: { session: { idleTimeoutMinutes: 30 } } }), 400);
      assert.equal(idle.errors[0].path, "securityPolicy.session.idleTimeoutMinutes");
      assert.match(idle.errors[0].message, /^must be at least 9[01]: the token you use once went unused that long, or you would lock yourself out; or first get a new token: sign in again \(tenancy login\), or mint one with npm run token on the server host$/);
      // Nothing was locked: the admin still reads the organization.
      expectStatus(await eve.get(`/v1/organizations/${org}`), 200);
      const fresh = expectStatus(await eve.post("/v1/organizations", { name: "Born strict", securityPolicy: { session: { maxTokenLifetimeDays: 1 } } }), 400);
      assert.equal(fresh.errors[0].path, "securityPolicy.session.maxTokenLifetimeDays");
    });
  });
}
