import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { account, expectStatus, ISO, person, useBackend } from "./helpers";

/** Claims (issue 20): a create with an externalId stays unconfirmed until its creator confirms it. */
for (const dialect of DIALECTS) {
  describe(`claims (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let orgId: string;

    before(async () => {
      orgId = expectStatus(await root.post("/v1/organizations", { name: "Claims Inc", externalId: "urn:claims:org" }), 201).id;
    });

    const pending = async (api = root, objectId?: string) =>
      expectStatus(await api.get(`/v1/claims${objectId ? `?objectId=${encodeURIComponent(objectId)}` : ""}`), 200);

    it("leaves a pending claim of the creator on every kind of object created with an externalId, and none without one", async () => {
      const project = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "claimed", environment: "development", externalId: "urn:claims:p" }), 201);
      const member = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: await account(backend, "ann@claims.test"), role: "member", externalId: "urn:claims:m" }), 201);
      const projectMember = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${project.id}/members`, { email: "ann@claims.test", role: "member", externalId: "urn:claims:pm" }), 201);
      const key = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${project.id}/api-keys`, { name: "k", owner: "ann@claims.test", externalId: "urn:claims:k" }), 201);
      const robot = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "ci", role: "member", externalId: "urn:claims:sa" }), 201);
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "unclaimed", environment: "development" }), 201);
      const ids = [orgId, project.id, `${orgId}/${member.userId}`, `${project.id}/${projectMember.userId}`, key.id, `${orgId}/${robot.userId}`];
      const claims = (await pending()).data;
      assert.deepEqual(new Set(claims.map((c: { objectId: string }) => c.objectId)), new Set(ids));
      for (const c of claims) {
        assert.deepEqual(c, { objectId: c.objectId, status: "pending", createdAt: c.createdAt });
        assert.match(c.createdAt, ISO);
      }
      assert.deepEqual((await pending(root, project.id)).data.map((c: { objectId: string }) => c.objectId), [project.id]);
    });

    it("lets only the creator see and confirm their claim; anyone else's confirm passes over it", async () => {
      const project = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "mine", environment: "development", externalId: "urn:claims:mine" }), 201);
      const eve = await person(backend, "eve@claims.test");
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: eve.email, role: "admin" }), 201);
      assert.deepEqual(await pending(eve, project.id), { data: [], hasMore: false, nextCursor: null });
      expectStatus(await eve.post("/v1/claims/confirm", { objectIds: [project.id] }), 204);
      assert.equal((await pending(root, project.id)).data.length, 1);
      expectStatus(await root.post("/v1/claims/confirm", { objectIds: [project.id, "proj_unknown0"] }), 204);
      assert.deepEqual(await pending(root, project.id), { data: [], hasMore: false, nextCursor: null });
    });

    it("refuses a confirm naming no object, naming the field", async () => {
      const res = await root.post("/v1/claims/confirm", { objectIds: [] });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors, [{ path: "objectIds", message: "must name at least one object" }]);
    });
  });
}
