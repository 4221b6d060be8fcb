import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";

/**
 * A project is reached only under its own organization: under another one (even one the caller
 * administers) it is a 404 with the body a missing or malformed id gets, naming the id asked for.
 */
for (const dialect of DIALECTS) {
  describe(`project visibility (${dialect.name})`, () => {
    const { root } = useBackend({ dialect });

    it("answers 404 for a project asked for under another organization, on reads and writes alike", async () => {
      const orgA = expectStatus(await root.post("/v1/organizations", { name: `Visibility A ${dialect.name}` }), 201).id;
      const orgB = expectStatus(await root.post("/v1/organizations", { name: `Visibility B ${dialect.name}` }), 201).id;
      const inB = expectStatus(await root.post(`/v1/organizations/${orgB}/projects`, { name: "only-in-b", environment: "other" }), 201).id;
      const wrongPath = `/v1/organizations/${orgA}/projects/${inB}`;
      for (const res of [await root.get(wrongPath), await root.patch(wrongPath, { description: "through A" }), await root.delete(wrongPath)]) {
        assert.deepEqual([res.status, res.body.code, res.body.detail], [404, "not_found", `project "${inB}" not found`]);
      }
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgB}/projects/${inB}`), 200).status, "active");
    });

    it("names the malformed organization or project id it did not find", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: `Visibility C ${dialect.name}` }), 201).id;
      const org = await root.get("/v1/organizations/org_x");
      assert.deepEqual([org.status, org.body.detail], [404, 'organization "org_x" not found']);
      const project = await root.get(`/v1/organizations/${orgId}/projects/proj_x`);
      assert.deepEqual([project.status, project.body.detail], [404, 'project "proj_x" not found']);
    });
  });
}
