import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, ISO, person, sqlQuery, useBackend } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`organizations (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });

    it("creates an organization with defaults and makes its creator the first admin", async () => {
      const res = await root.post("/v1/organizations", { name: "Acme", externalId: "urn:acme" });
      const org = expectStatus(res, 201);
      assert.match(org.id, /^org_[A-Za-z0-9]{8,40}$/);
      assert.match(org.createdAt, ISO);
      assert.deepEqual(org, {
        id: org.id,
        name: "Acme",
        externalId: "urn:acme",
        billing: { plan: "free", financeContacts: [] },
        settings: { allowedEmailDomains: [], membersCanCreateProjects: false },
        securityPolicy: { sso: { enforced: false }, session: { requireMfa: false }, ipAllowlist: [] },
        // Every stored policy is enforced; one that were not would be named in notEnforced.
        enforcement: {
          enforced: [
            "settings.allowedEmailDomains",
            "settings.apiKeyMaxLifetimeDays",
            "settings.membersCanCreateProjects",
            "securityPolicy.ipAllowlist",
            "securityPolicy.session.maxTokenLifetimeDays",
            "securityPolicy.session.idleTimeoutMinutes",
            "securityPolicy.sso",
            "securityPolicy.session.requireMfa",
          ],
          notEnforced: [],
        },
        createdAt: org.createdAt,
        updatedAt: org.createdAt,
        version: 1,
      });
      assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
      const members = expectStatus(await root.get(`/v1/organizations/${org.id}/members`), 200);
      assert.deepEqual(
        members.data.map((m: any) => [m.email, m.role, m.kind]),
        [[backend.email, "admin", "person"]],
      );
    });

    it("reads an organization with a quoted ETag and lists only the caller's organizations", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Readable" }), 201);
      const res = await root.get(`/v1/organizations/${org.id}`);
      assert.deepEqual(expectStatus(res, 200), org);
      assert.equal(res.headers.etag, '"1"');
      const stranger = await person(backend, "stranger@orgs.test");
      assert.deepEqual(expectStatus(await stranger.get("/v1/organizations"), 200), { data: [], hasMore: false, nextCursor: null });
      const listed = expectStatus(await root.get(`/v1/organizations?externalId=urn:acme`), 200);
      assert.deepEqual(listed.data.map((o: any) => o.name), ["Acme"]);
    });

    it("hides billing from org members and shows it to billing admins", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Billed", billing: { plan: "team", billingEmail: "ap@billed.test" } }), 201);
      const member = await person(backend, "member@billed.test");
      const biller = await person(backend, "biller@billed.test");
      expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: member.email, role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: biller.email, role: "billing" }), 201);
      const seenByMember = expectStatus(await member.get(`/v1/organizations/${org.id}`), 200);
      assert.equal("billing" in seenByMember, false);
      const seenByBiller = expectStatus(await biller.get(`/v1/organizations/${org.id}`), 200);
      assert.deepEqual(seenByBiller.billing, { plan: "team", billingEmail: "ap@billed.test", financeContacts: [] });
      const changed = expectStatus(await biller.patch(`/v1/organizations/${org.id}`, { billing: { plan: "enterprise" } }), 200);
      assert.equal(changed.billing.plan, "enterprise");
      assert.equal(changed.version, 2);
      assert.equal(expectStatus(await biller.patch(`/v1/organizations/${org.id}`, { name: "Renamed" }), 403).code, "forbidden");
      // Billing beside another field is judged by every field: the other one is refused, named, and nothing changes.
      const mixed = expectStatus(await biller.patch(`/v1/organizations/${org.id}`, { billing: { plan: "free" }, name: "Renamed", settings: { membersCanCreateProjects: true } }), 403);
      assert.equal(mixed.detail, "your role does not allow you to change name, settings");
      const after = expectStatus(await root.get(`/v1/organizations/${org.id}`), 200);
      assert.deepEqual([after.name, after.billing.plan, after.version], ["Billed", "enterprise", 2]);
      // A PATCH that changes nothing writes nothing: same version, no event.
      assert.equal(expectStatus(await root.patch(`/v1/organizations/${org.id}`, { name: "Billed", billing: { plan: "enterprise" } }), 200).version, 2);
    });

    it("applies a JSON merge patch: absent fields stay, null clears, nested objects merge", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Patchy", externalId: "urn:patchy", settings: { apiKeyMaxLifetimeDays: 30 } }), 201);
      const res = await root.patch(
        `/v1/organizations/${org.id}`,
        { externalId: null, settings: { membersCanCreateProjects: true }, securityPolicy: { session: { maxTokenLifetimeDays: 90 } } },
        { headers: { "content-type": "application/merge-patch+json", "if-match": '"1"' } },
      );
      const patched = expectStatus(res, 200);
      const { externalId: _gone, ...rest } = org;
      assert.deepEqual(patched, {
        ...rest,
        settings: { allowedEmailDomains: [], apiKeyMaxLifetimeDays: 30, membersCanCreateProjects: true },
        securityPolicy: { sso: { enforced: false }, session: { requireMfa: false, maxTokenLifetimeDays: 90 }, ipAllowlist: [] },
        updatedAt: patched.updatedAt,
        version: 2,
      });
      assert.equal("externalId" in patched, false);
      assert.equal(res.headers.etag, '"2"');
    });

    it("refuses to delete an organization with active projects, then deletes it once they are archived", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Doomed" }), 201);
      const project = expectStatus(await root.post(`/v1/organizations/${org.id}/projects`, { name: "p", environment: "development" }), 201);
      const refused = expectStatus(await root.delete(`/v1/organizations/${org.id}`), 409);
      assert.deepEqual([refused.code, refused.detail], ["has_active_projects", `organization ${org.id} still has 1 active project(s); archive them first (DELETE each project)`]);
      expectStatus(await root.delete(`/v1/organizations/${org.id}/projects/${project.id}`), 204);
      expectStatus(await root.delete(`/v1/organizations/${org.id}`), 204);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${org.id}`), 404).code, "not_found");
      // The row stays, one version on, and the deletion is the last event of its history (which no
      // route serves once the organization is gone: it is the operator's, in the database).
      const [row] = await sqlQuery(backend, "SELECT version, deleted_at FROM organizations WHERE id = $1", [org.id]);
      assert.deepEqual([Number(row.version), typeof row.deleted_at], [2, "string"]);
      const events = await sqlQuery(backend, "SELECT action, target_type, target_id, changes FROM audit_events WHERE organization_id = $1 ORDER BY at DESC, id DESC", [org.id]);
      const deleted = events[0];
      assert.deepEqual(
        [deleted.action, deleted.target_type, deleted.target_id, typeof deleted.changes === "string" ? JSON.parse(deleted.changes) : deleted.changes],
        ["organization.deleted", "organization", org.id, { deletedAt: { from: null, to: row.deleted_at } }],
      );
      // The externalId of a deleted organization is free again.
      expectStatus(await root.post("/v1/organizations", { name: "Reborn", externalId: "urn:doomed" }), 201);
      expectStatus(await root.post("/v1/organizations", { name: "Reborn 2", externalId: "urn:doomed" }), 409);
    });

    it("answers 409 external_id_taken for a second live organization with the caller's externalId", async () => {
      expectStatus(await root.post("/v1/organizations", { name: "One", externalId: "urn:dup" }), 201);
      const res = await root.post("/v1/organizations", { name: "Two", externalId: "urn:dup" });
      assert.equal(expectStatus(res, 409).code, "external_id_taken");
      // Scoped per creator: another user's identical reference neither conflicts nor leaks.
      const other = await person(backend, "other@orgs.test");
      expectStatus(await other.post("/v1/organizations", { name: "Mine", externalId: "urn:dup" }), 201);
    });
  });
}
