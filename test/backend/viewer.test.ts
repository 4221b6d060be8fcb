import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { account, Api, client, expectStatus, useBackend } from "./helpers";

/**
 * The organization role `viewer` (DESIGN.md "Roles"): reads what an admin reads except billing and
 * secrets, writes nothing. Pull-request previews run as a viewer service account, so that is the
 * caller here; the authorization matrix covers a viewer person on every route.
 */
for (const dialect of DIALECTS) {
  describe(`organization viewer (${dialect.name})`, function () {
    const { backend, root } = useBackend({ dialect });
    let orgPath: string;
    let projectPath: string;
    let memberId: string;
    let keySecret: string;
    let viewerId: string;
    let viewer: Api;
    const DEV = "dev@viewer.test";

    before(async function () {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Audited" }), 201).id;
      orgPath = `/v1/organizations/${orgId}`;
      const projectId = expectStatus(await root.post(`${orgPath}/projects`, { name: "audited", environment: "staging" }), 201).id;
      projectPath = `${orgPath}/projects/${projectId}`;
      memberId = expectStatus(await root.post(`${orgPath}/members`, { email: await account(backend, DEV), role: "member" }), 201).userId;
      expectStatus(await root.post(`${projectPath}/members`, { email: DEV, role: "member" }), 201);
      keySecret = expectStatus(await root.post(`${projectPath}/api-keys`, { name: "prod", owner: DEV }), 201).secret;
      const sa = expectStatus(await root.post(`${orgPath}/service-accounts`, { name: "pr-preview", role: "viewer" }), 201);
      assert.equal(sa.role, "viewer");
      viewerId = sa.userId;
      viewer = client(backend, expectStatus(await root.post(`${orgPath}/service-accounts/${viewerId}/tokens`, { name: "ci" }), 201).token);
    });

    it("reads the organization without billing, every project with its members and redacted keys, the whole audit log and usage", async () => {
      const org = expectStatus(await viewer.get(orgPath), 200);
      assert.ok(!("billing" in org), "billing shown to a viewer");
      assert.equal(expectStatus(await viewer.get(`${orgPath}/members/${viewerId}`), 200).role, "viewer");
      // The viewer holds no project role, yet sees the project as an admin does.
      assert.deepEqual(expectStatus(await viewer.get(`${orgPath}/projects`), 200).data.map((p: any) => p.name), ["audited"]);
      expectStatus(await viewer.get(`${projectPath}/members`), 200);
      const keys = await viewer.get(`${projectPath}/api-keys`);
      assert.equal(expectStatus(keys, 200).data.length, 1);
      assert.ok(!keys.text.includes(keySecret), "a key's secret shown to a viewer");
      const actions = expectStatus(await viewer.get(`${orgPath}/audit-events?limit=100`), 200).data.map((e: any) => e.action);
      assert.ok(actions.includes("project.created") && actions.includes("member.added"), `audit log as read by the viewer: ${actions}`);
      expectStatus(await viewer.get(`${orgPath}/usage`), 200);
      expectStatus(await viewer.get(`${orgPath}/costs`), 200);
    });

    it("writes nothing: a member, a role, a key, the security policy, a project, a service account are each 403", async () => {
      const attempts: Array<[string, string, string, unknown, string]> = [
        ["create a member", "POST", `${orgPath}/members`, { email: "new@viewer.test", role: "member" }, "manage this organization's members and service accounts"],
        ["make itself admin", "PATCH", `${orgPath}/members/${viewerId}`, { role: "admin" }, "manage this organization's members and service accounts"],
        ["change a member's role", "PATCH", `${orgPath}/members/${memberId}`, { role: "admin" }, "manage this organization's members and service accounts"],
        ["create a key", "POST", `${projectPath}/api-keys`, { name: "leak", owner: DEV }, "manage API keys in this project"],
        ["change the security policy", "PATCH", orgPath, { securityPolicy: { session: { requireMfa: true } } }, "change this organization"],
        ["create a project", "POST", `${orgPath}/projects`, { name: "sneaky", environment: "development" }, "create projects in this organization"],
        ["create a service account", "POST", `${orgPath}/service-accounts`, { name: "admin-bot", role: "admin" }, "manage this organization's members and service accounts"],
      ];
      for (const [what, method, path, body, denied] of attempts) {
        const res = method === "POST" ? await viewer.post(path, body) : await viewer.patch(path, body);
        assert.equal(res.status, 403, `${what}: ${res.text}`);
        assert.equal(res.body.detail, `your role does not allow you to ${denied}`, what);
      }
      assert.equal(expectStatus(await root.get(`${orgPath}/members/${memberId}`), 200).role, "member");
      assert.equal(expectStatus(await root.get(`${orgPath}/members/${viewerId}`), 200).role, "viewer");
      assert.equal(expectStatus(await root.get(`${projectPath}/api-keys`), 200).data.length, 1);
    });

    it("revokes its own token", async () => {
      const sa = expectStatus(await root.post(`${orgPath}/service-accounts`, { name: "short-lived", role: "viewer" }), 201);
      const own = client(backend, expectStatus(await root.post(`${orgPath}/service-accounts/${sa.userId}/tokens`, { name: "once" }), 201).token);
      const me = expectStatus(await own.get("/v1/me"), 200);
      assert.deepEqual(me.organizations.map((o: any) => o.role), ["viewer"]);
      expectStatus(await own.delete(`/v1/tokens/${me.token.id}`), 204);
      expectStatus(await own.get("/v1/me"), 401);
    });

    it("counts as no admin for the last-admin rule", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "One admin" }), 201).id;
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "auditor@viewer.test"), role: "viewer" }), 201);
      const me = expectStatus(await root.get("/v1/me"), 200).user.id;
      assert.equal(expectStatus(await root.patch(`/v1/organizations/${orgId}/members/${me}`, { role: "viewer" }), 409).code, "last_admin");
      assert.equal(expectStatus(await root.delete(`/v1/organizations/${orgId}/members/${me}`), 409).code, "last_admin");
    });
  });
}
