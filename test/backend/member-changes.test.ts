import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, person, useBackend } from "./helpers";

/**
 * What changing and removing an organization member leaves behind: the audit events a reviewer
 * reads (role changed; removed, from each project too), the stack's claim on a membership kept
 * through a role change, and the refusals that name what is wrong.
 */
for (const dialect of DIALECTS) {
  describe(`member changes (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });

    it("audits a role change and a removal, with one event for each project membership the removal ends", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Changes" }), 201).id;
      const projectId = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "chat", environment: "development" }), 201).id;
      const kit = await person(backend, "kit@changes.test");
      const userId = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: kit.email, role: "member" }), 201).userId;
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${projectId}/members`, { email: kit.email, role: "owner" }), 201);
      expectStatus(await root.patch(`/v1/organizations/${orgId}/members/${userId}`, { role: "billing" }), 200);
      expectStatus(await root.delete(`/v1/organizations/${orgId}/members/${userId}`), 204);
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200).data;
      const about = log.filter((e: { target: { id: string } }) => e.target.id === userId).map(({ action, projectId: p, target, changes }: Record<string, unknown>) => ({ action, projectId: p, target, changes }));
      const target = { type: "user", id: userId };
      assert.deepEqual(about, [
        { action: "member.added", projectId: undefined, target, changes: { email: { from: null, to: kit.email }, role: { from: null, to: "member" } } },
        { action: "member.added", projectId, target, changes: { email: { from: null, to: kit.email }, role: { from: null, to: "owner" } } },
        { action: "member.role_changed", projectId: undefined, target, changes: { role: { from: "member", to: "billing" } } },
        { action: "member.removed", projectId, target, changes: { role: { from: "owner", to: null } } },
        { action: "member.removed", projectId: undefined, target, changes: { role: { from: "billing", to: null } } },
      ]);
    });

    it("keeps the stack's externalId on a membership whose role alone is changed, and counts one version per change", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Claimed" }), 201).id;
      const lee = await person(backend, "lee@changes.test");
      const externalId = "urn:pulumi:prod::acme::pulumi-nodejs:dynamic/tenancy:Membership::lee#lee@changes.test";
      const added = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: lee.email, role: "member", externalId }), 201);
      const changed = expectStatus(await root.patch(`/v1/organizations/${orgId}/members/${added.userId}`, { role: "billing" }), 200);
      assert.deepEqual([changed.role, changed.externalId, changed.version], ["billing", externalId, added.version + 1], "one change, one version");
      const same = expectStatus(await root.patch(`/v1/organizations/${orgId}/members/${added.userId}`, { role: "billing" }), 200);
      assert.equal(same.version, changed.version, "a PATCH that changes nothing leaves the version as it was");
    });

    it("names the last admin who cannot be demoted, and refuses a service account's address as a new member's", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Lone admin" }), 201).id;
      const me = expectStatus(await root.get("/v1/me"), 200).user;
      const demoted = expectStatus(await root.patch(`/v1/organizations/${orgId}/members/${me.id}`, { role: "member" }), 409);
      assert.deepEqual([demoted.code, demoted.detail], ["last_admin", `${me.email} is the last admin of organization ${orgId} and cannot be demoted; make another member admin first`]);

      const other = expectStatus(await root.post("/v1/organizations", { name: "Robots' home" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${other}/service-accounts`, { name: "ci", role: "member" }), 201);
      const refused = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: sa.email, role: "member" }), 400);
      assert.deepEqual(refused.errors, [{ path: "email", message: "must be a person's address; service accounts (…@service-accounts.tenancy.invalid) belong to the one organization that created them" }]);
    });

    it("names the member in the refusals of adding them twice and of removing them while they own an active key", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Key holders" }), 201).id;
      const projectId = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "chat", environment: "development" }), 201).id;
      const nia = await person(backend, "nia@changes.test");
      const userId = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: nia.email, role: "member" }), 201).userId;
      const twice = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: nia.email, role: "admin" }), 409);
      assert.deepEqual([twice.code, twice.detail], ["member_exists", `${nia.email} is already a member of organization ${orgId} with role member`]);
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${projectId}/members`, { email: nia.email, role: "owner" }), 201);
      const key = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${projectId}/api-keys`, { name: "backend", owner: nia.email }), 201);
      const held = expectStatus(await root.delete(`/v1/organizations/${orgId}/members/${userId}`), 409);
      assert.deepEqual([held.code, held.detail], ["owns_active_keys", `${nia.email} still owns active API keys: backend (${key.id}); revoke them or create replacements owned by someone else first`]);
    });

    it("audits a project member's role change and removal; a take-over alone changes no role", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Project changes" }), 201).id;
      const projectId = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "chat", environment: "development" }), 201).id;
      const pam = await person(backend, "pam@changes.test");
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: pam.email, role: "member" }), 201);
      const members = `/v1/organizations/${orgId}/projects/${projectId}/members`;
      const userId = expectStatus(await root.post(members, { email: pam.email, role: "member" }), 201).userId;
      expectStatus(await root.patch(`${members}/${userId}`, { role: "owner" }), 200);
      const externalId = "urn:pulumi:prod::acme::pulumi-nodejs:dynamic/tenancy:Membership::pam-chat#pam@changes.test";
      const claimed = expectStatus(await root.patch(`${members}/${userId}`, { externalId }), 200);
      assert.deepEqual([claimed.role, claimed.externalId], ["owner", externalId], "a PATCH of externalId alone keeps the role");
      const twice = expectStatus(await root.post(members, { email: pam.email, role: "member" }), 409);
      assert.equal(twice.detail, `${pam.email} is already a member of project ${projectId} with role owner`);
      const unknown = "user_0000000000000000000000";
      assert.equal(expectStatus(await root.get(`${members}/${unknown}`), 404).detail, `member "${unknown}" not found`);
      expectStatus(await root.delete(`${members}/${userId}`), 204);
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200).data;
      const about = log.filter((e: { target: { id: string }; projectId?: string }) => e.target.id === userId && e.projectId === projectId).map(({ action, changes }: Record<string, unknown>) => ({ action, changes }));
      assert.deepEqual(about, [
        { action: "member.added", changes: { email: { from: null, to: pam.email }, role: { from: null, to: "member" } } },
        { action: "member.role_changed", changes: { role: { from: "member", to: "owner" } } },
        { action: "member.removed", changes: { role: { from: "owner", to: null } } },
      ]);
    });

    it("refuses a project member who has an account but is not in the organization, saying where to add them first", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Outsiders" }), 201).id;
      const projectId = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "chat", environment: "development" }), 201).id;
      const max = await person(backend, "max@changes.test");
      const refused = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${projectId}/members`, { email: max.email, role: "member" }), 400);
      assert.deepEqual(refused.errors, [{ path: "email", message: `must be a member of organization ${orgId} first (POST /v1/organizations/${orgId}/members)` }]);
    });
  });
}
