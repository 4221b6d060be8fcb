import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { Api, expectStatus, ISO, person, useBackend } from "./helpers";

const PROD = {
  name: "chat-prod",
  environment: "production",
  team: "support",
  workload: "chat",
  owner: "ben@projects.test",
  keyOwner: "ben@projects.test",
  escalationContact: "oncall@projects.test",
  expectedMonthlySpendUsd: 5000,
};

for (const dialect of DIALECTS) {
  describe(`projects and project members (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let orgId: string;
    let ben: Api & { email: string };

    before(async () => {
      orgId = expectStatus(await root.post("/v1/organizations", { name: "Projects Inc" }), 201).id;
      ben = await person(backend, "ben@projects.test");
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: ben.email, role: "member" }), 201);
    });

    it("creates a production project that passes the launch checklist", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, PROD), 201);
      assert.match(p.id, /^proj_/);
      assert.match(p.createdAt, ISO);
      assert.deepEqual(p, { id: p.id, organizationId: orgId, ...PROD, labels: {}, limits: {}, status: "active", createdAt: p.createdAt, updatedAt: p.createdAt, version: 1 });
      assert.deepEqual(expectStatus(await root.get(`/v1/projects/${p.id}`), 200), p);
      const byName = expectStatus(await root.get(`/v1/organizations/${orgId}/projects?name=chat-prod`), 200);
      assert.deepEqual(byName, { data: [p], hasMore: false, nextCursor: null });
    });

    it("refuses a production project missing the launch checklist, naming each field", async () => {
      const problem = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "bare-prod", environment: "production" }), 400);
      assert.deepEqual(
        problem.errors.map((e: any) => e.path),
        ["owner", "keyOwner", "escalationContact", "expectedMonthlySpendUsd"],
      );
    });

    it("answers 409 name_taken for a second active project with the same (NFC-normalised) name", async () => {
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "caf\u00e9", environment: "development" }), 201);
      const res = await root.post(`/v1/organizations/${orgId}/projects`, { name: "cafe\u0301", environment: "development" });
      assert.equal(expectStatus(res, 409).code, "name_taken");
    });

    it("archives a project: keys revoked, name free again, status archived", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "short-lived", environment: "staging" }), 201);
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: ben.email, role: "member" }), 201);
      const key = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/api-keys`, { name: "k", owner: ben.email }), 201);
      expectStatus(await root.delete(`/v1/organizations/${orgId}/projects/${p.id}`), 204);
      const archived = expectStatus(await root.get(`/v1/organizations/${orgId}/projects/${p.id}`), 200);
      assert.equal(archived.status, "archived");
      assert.match(archived.archivedAt, ISO);
      assert.equal(archived.version, 2);
      const k = expectStatus(await root.get(`/v1/organizations/${orgId}/projects/${p.id}/api-keys/${key.id}`), 200);
      assert.equal(k.status, "revoked");
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "short-lived", environment: "staging" }), 201);
      const active = expectStatus(await root.get(`/v1/organizations/${orgId}/projects?name=short-lived&status=active`), 200);
      assert.equal(active.data.length, 1);
      // Archiving twice is a no-op; an archived project is read-only.
      expectStatus(await root.delete(`/v1/organizations/${orgId}/projects/${p.id}`), 204);
      expectStatus(await root.patch(`/v1/organizations/${orgId}/projects/${p.id}`, { description: "x" }), 400);
    });

    it("lets a project owner change accountability fields but not name, environment or limits", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "owned", environment: "development" }), 201);
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: ben.email, role: "owner" }), 201);
      const res = await ben.patch(`/v1/organizations/${orgId}/projects/${p.id}`, { description: "support bot", labels: { cost: "support" }, team: "support" });
      assert.deepEqual(expectStatus(res, 200), { ...p, description: "support bot", labels: { cost: "support" }, team: "support", version: 2, updatedAt: res.body.updatedAt });
      const refused = await ben.patch(`/v1/organizations/${orgId}/projects/${p.id}`, { name: "renamed", limits: { requestsPerMinute: 10 } });
      assert.equal(expectStatus(refused, 403).detail, "your role does not allow you to change name, limits");
      expectStatus(await ben.delete(`/v1/organizations/${orgId}/projects/${p.id}`), 403);
      // Clearing an optional field with null.
      const cleared = expectStatus(await ben.patch(`/v1/organizations/${orgId}/projects/${p.id}`, { description: null }), 200);
      assert.equal("description" in cleared, false);
    });

    it("makes a member who creates a project its first owner when members may create projects", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Open", settings: { membersCanCreateProjects: true } }), 201);
      expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: ben.email, role: "member" }), 201);
      const p = expectStatus(await ben.post(`/v1/organizations/${org.id}/projects`, { name: "bens", environment: "development" }), 201);
      const members = expectStatus(await ben.get(`/v1/organizations/${org.id}/projects/${p.id}/members`), 200);
      assert.deepEqual(
        members.data.map((m: any) => [m.email, m.role, m.projectId]),
        [[ben.email, "owner", p.id]],
      );
      const mine = expectStatus(await ben.get(`/v1/organizations/${org.id}/projects`), 200);
      assert.deepEqual(mine.data.map((x: any) => x.id), [p.id]);
    });

    it("adds project members only from the organization and answers member_exists with the membership", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "team", environment: "other" }), 201);
      const outsider = await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: "nobody@else.test", role: "viewer" });
      assert.deepEqual(expectStatus(outsider, 400).errors.map((e: any) => e.path), ["email"]);
      const m = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: ben.email, role: "viewer", externalId: "urn:ben" }), 201);
      assert.deepEqual(m, {
        userId: m.userId,
        email: ben.email,
        kind: "person",
        role: "viewer",
        organizationId: orgId,
        projectId: p.id,
        externalId: "urn:ben",
        createdAt: m.createdAt,
        updatedAt: m.createdAt,
        version: 1,
      });
      const again = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: ben.email, role: "owner" }), 409);
      assert.deepEqual([again.code, again.existing], ["member_exists", m]);
      const changed = expectStatus(await root.patch(`/v1/organizations/${orgId}/projects/${p.id}/members/${m.userId}`, { role: "member" }), 200);
      assert.equal(changed.role, "member");
      expectStatus(await root.delete(`/v1/organizations/${orgId}/projects/${p.id}/members/${m.userId}`), 204);
    });

    it("refuses to remove a project member who owns active keys, naming the keys", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "keyed", environment: "other" }), 201);
      const m = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/members`, { email: ben.email, role: "member" }), 201);
      const key = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${p.id}/api-keys`, { name: "backend", owner: ben.email }), 201);
      const problem = expectStatus(await root.delete(`/v1/organizations/${orgId}/projects/${p.id}/members/${m.userId}`), 409);
      assert.equal(problem.code, "owns_active_keys");
      assert.deepEqual(problem.keys, [{ id: key.id, name: "backend", projectId: p.id, redactedValue: key.redactedValue }]);
      assert.match(problem.detail, new RegExp(`backend \\(${key.id}\\)`));
      const orgLevel = expectStatus(await root.delete(`/v1/organizations/${orgId}/members/${m.userId}`), 409);
      assert.equal(orgLevel.code, "owns_active_keys");
      expectStatus(await root.delete(`/v1/organizations/${orgId}/projects/${p.id}/api-keys/${key.id}`), 204);
      expectStatus(await root.delete(`/v1/organizations/${orgId}/projects/${p.id}/members/${m.userId}`), 204);
    });
  });
}
