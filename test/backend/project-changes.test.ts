import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, person, useBackend } from "./helpers";

/**
 * Who may change what in a project, and what a change leaves behind: a member's list holds only
 * their projects; an owner changes the owner fields and nothing beside them; a PATCH that changes
 * nothing and an archive of an archived project write nothing; each change is audited.
 */
for (const dialect of DIALECTS) {
  describe(`project changes (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });

    it("lists to a member only the projects they belong to, and lets an owner change owner fields but no admin field beside them", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Owners", settings: { membersCanCreateProjects: true } }), 201).id;
      const ora = await person(backend, "ora@projects.test");
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: ora.email, role: "member" }), 201);
      const theirs = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "theirs", environment: "development" }), 201).id;
      const mine = expectStatus(await ora.post(`/v1/organizations/${orgId}/projects`, { name: "mine", environment: "development" }), 201).id;
      assert.deepEqual(expectStatus(await ora.get(`/v1/organizations/${orgId}/projects`), 200).data.map((p: { id: string }) => p.id), [mine]);
      assert.ok(expectStatus(await root.get(`/v1/organizations/${orgId}/projects`), 200).data.some((p: { id: string }) => p.id === theirs));

      const limited = expectStatus(await ora.post(`/v1/organizations/${orgId}/projects`, { name: "limited", environment: "development", limits: { requestsPerMinute: 10 } }), 403);
      assert.equal(limited.detail, "your role does not allow you to set limits (an organization admin sets them)");
      const mixed = expectStatus(await ora.patch(`/v1/organizations/${orgId}/projects/${mine}`, { description: "ours", limits: { requestsPerMinute: 1_000_000 } }), 403);
      assert.equal(mixed.detail, "your role does not allow you to change limits, description");
      expectStatus(await ora.patch(`/v1/organizations/${orgId}/projects/${mine}`, { description: "ours" }), 200);
    });

    it("keeps a project's own externalId through a PATCH, writes nothing for a PATCH that changes nothing, and archives once", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Quiet changes" }), 201).id;
      const created = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "chat", environment: "development", externalId: "urn:pulumi:prod::acme::pulumi-nodejs:dynamic/tenancy:Project::chat" }), 201);
      const path = `/v1/organizations/${orgId}/projects/${created.id}`;
      const described = expectStatus(await root.patch(path, { description: "the chat workload" }), 200);
      assert.equal(described.version, created.version + 1);
      const same = expectStatus(await root.patch(path, { description: "the chat workload" }), 200);
      assert.equal(same.version, described.version, "nothing changed, nothing written");

      expectStatus(await root.delete(path), 204);
      const archived = expectStatus(await root.get(path), 200);
      expectStatus(await root.delete(path), 204);
      const again = expectStatus(await root.get(path), 200);
      assert.deepEqual([again.status, again.archivedAt, again.version], ["archived", archived.archivedAt, archived.version], "archiving twice is a no-op");

      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200).data;
      const about = log.filter((e: { target: { id: string } }) => e.target.id === created.id).map(({ action, target, changes }: Record<string, unknown>) => ({ action, target, changes }));
      const target = { type: "project", id: created.id };
      assert.deepEqual([about[0].action, about[0].target], ["project.created", target]);
      // The creation's changes: every field of the project as answered, from null, but its timestamps and version.
      const { createdAt, updatedAt, version, ...fields } = created;
      assert.deepEqual(about[0].changes, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { from: null, to: v }])));
      assert.ok(createdAt && updatedAt && version, "the project answered has the fields the creation's changes leave out");
      assert.deepEqual(about.slice(1), [
        { action: "project.updated", target, changes: { description: { from: null, to: "the chat workload" } } },
        { action: "project.archived", target, changes: { status: { from: "active", to: "archived" } } },
      ]);
    });
  });
}
