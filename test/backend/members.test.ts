import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { account, client, expectStatus, ISO, person, useBackend } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`organization members and service accounts (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let orgId: string;

    before(async () => {
      orgId = expectStatus(await root.post("/v1/organizations", { name: "Members Inc", settings: { allowedEmailDomains: ["members.test"] } }), 201).id;
    });

    it("adds a person who has an account by email, and answers the membership", async () => {
      await account(backend, "ana@members.test");
      const m = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: "Ana@Members.test", role: "member", externalId: "urn:ana" }), 201);
      assert.match(m.userId, /^user_/);
      assert.match(m.createdAt, ISO);
      assert.deepEqual(m, {
        userId: m.userId,
        email: "ana@members.test",
        kind: "person",
        role: "member",
        organizationId: orgId,
        externalId: "urn:ana",
        createdAt: m.createdAt,
        updatedAt: m.createdAt,
        version: 1,
      });
      const read = await root.get(`/v1/organizations/${orgId}/members/${m.userId}`);
      assert.deepEqual(expectStatus(read, 200), m);
      assert.equal(read.headers.etag, '"1"');
      const byEmail = expectStatus(await root.get(`/v1/organizations/${orgId}/members?email=ana@members.test`), 200);
      assert.deepEqual(byEmail, { data: [m], hasMore: false, nextCursor: null });
      const byExternal = expectStatus(await root.get(`/v1/organizations/${orgId}/members?externalId=urn:ana`), 200);
      assert.deepEqual(byExternal.data, [m]);
    });

    it("answers 409 member_exists with the existing membership in the body", async () => {
      const first = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "dup@members.test"), role: "billing" }), 201);
      const res = await root.post(`/v1/organizations/${orgId}/members`, { email: "dup@members.test", role: "member" });
      const problem = expectStatus(res, 409);
      assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.deepEqual(problem, {
        type: "https://tenancy.dev/problems/member-exists",
        title: "Member exists",
        status: 409,
        detail: `dup@members.test is already a member of organization ${orgId} with role billing`,
        code: "member_exists",
        existing: first,
        requestId: problem.requestId,
      });
    });

    it("refuses an email outside the allowed domains, naming the field", async () => {
      const problem = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: "eve@evil.test", role: "member" }), 400);
      assert.deepEqual(problem.errors, [{ path: "email", message: "must be an address at members.test (settings.allowedEmailDomains)" }]);
    });

    it("re-roles a member with If-Match, answering 412 on a stale version", async () => {
      const m = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "ben@members.test"), role: "member" }), 201);
      const stale = await root.patch(`/v1/organizations/${orgId}/members/${m.userId}`, { role: "billing" }, { headers: { "if-match": '"7"' } });
      assert.equal(expectStatus(stale, 412).code, "version_mismatch");
      const res = await root.patch(`/v1/organizations/${orgId}/members/${m.userId}`, { role: "billing" }, { headers: { "if-match": '"1"' } });
      assert.deepEqual(expectStatus(res, 200), { ...m, role: "billing", version: 2, updatedAt: res.body.updatedAt });
      assert.equal(res.headers.etag, '"2"');
    });

    it("takes a membership over with an externalId (a deployment adopting it), refusing one another membership holds", async () => {
      const m = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "taken@members.test"), role: "member" }), 201);
      assert.equal(m.externalId, undefined);
      const taken = expectStatus(await root.patch(`/v1/organizations/${orgId}/members/${m.userId}`, { role: "member", externalId: "urn:taken" }), 200);
      assert.deepEqual([taken.externalId, taken.role, taken.version], ["urn:taken", "member", m.version + 1]);
      const other = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "other@members.test"), role: "member" }), 201);
      const clash = await root.patch(`/v1/organizations/${orgId}/members/${other.userId}`, { externalId: "urn:taken" });
      assert.equal(clash.status, 409);
      assert.equal(clash.body.code, "external_id_taken");
      assert.equal((await root.get(`/v1/organizations/${orgId}/members/${other.userId}`)).body.externalId, undefined, "nothing changed");
    });

    it("removes a member together with their project memberships", async () => {
      const m = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "gone@members.test"), role: "member" }), 201);
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "removal", environment: "other" }), 201);
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: "gone@members.test", role: "viewer" }), 201);
      expectStatus(await root.delete(`/v1/organizations/${orgId}/members/${m.userId}`), 204);
      expectStatus(await root.get(`/v1/organizations/${orgId}/members/${m.userId}`), 404);
      expectStatus(await root.get(`/v1/organizations/${orgId}/projects/${p.id}/members/${m.userId}`), 404);
    });

    it("creates a service account listed among members, and mints its token once", async () => {
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "ci deployer", role: "admin" }), 201);
      assert.match(sa.email, /^sa-[0-9a-f]{20}@service-accounts\.tenancy\.invalid$/);
      assert.deepEqual(sa, {
        userId: sa.userId,
        email: sa.email,
        kind: "service_account",
        name: "ci deployer",
        role: "admin",
        organizationId: orgId,
        createdAt: sa.createdAt,
        updatedAt: sa.createdAt,
        version: 1,
      });
      const listed = expectStatus(await root.get(`/v1/organizations/${orgId}/service-accounts`), 200);
      assert.deepEqual(listed, { data: [sa], hasMore: false, nextCursor: null });
      const all = expectStatus(await root.get(`/v1/organizations/${orgId}/members?limit=100`), 200);
      assert.ok(all.data.some((m: any) => m.userId === sa.userId));

      const tok = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "github actions", expiresInDays: 30 }), 201);
      assert.match(tok.token, /^tmt_[0-9A-Za-z]{49}$/);
      assert.deepEqual(tok, {
        id: tok.id,
        userId: sa.userId,
        name: "github actions",
        redactedValue: `tmt_…${tok.token.slice(-4)}`,
        expiresAt: tok.expiresAt,
        status: "active",
        createdAt: tok.createdAt,
        token: tok.token,
      });
      const asSa = client(backend, tok.token);
      const me = expectStatus(await asSa.get("/v1/me"), 200);
      assert.deepEqual(me.user, { id: sa.userId, email: sa.email, kind: "service_account", name: "ci deployer" });
      assert.deepEqual(me.organizations, [{ id: orgId, name: "Members Inc", role: "admin" }]);
      // Out of its organization a service account's tokens are revoked, each with its audit event.
      const sa2 = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "leaver", role: "member" }), 201);
      const sa2Token = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts/${sa2.userId}/tokens`, { name: "t" }), 201);
      expectStatus(await root.delete(`/v1/organizations/${orgId}/members/${sa2.userId}`), 204);
      expectStatus(await client(backend, sa2Token.token).get("/v1/me"), 401);
      const revoked = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?action=token.revoked`), 200);
      assert.deepEqual(revoked.data.map((e: any) => e.target), [{ type: "token", id: sa2Token.id }]);
      // A person is not a service account: the token route answers 404 for them.
      const person = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "notsa@members.test"), role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts/${person.userId}/tokens`, { name: "x" }), 404);
    });

    it("lets only admins manage members (403 for a visible organization, 404 for strangers)", async () => {
      const member = await person(backend, "plain@members.test");
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: member.email, role: "member" }), 201);
      assert.equal(expectStatus(await member.post(`/v1/organizations/${orgId}/members`, { email: "x@members.test", role: "admin" }), 403).code, "forbidden");
      const stranger = await person(backend, "stranger@else.test");
      assert.equal(expectStatus(await stranger.get(`/v1/organizations/${orgId}/members`), 404).code, "not_found");
    });
  });
}
