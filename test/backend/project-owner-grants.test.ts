import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { account, expectStatus, person, useBackend } from "./helpers";

/** A project owner who is no organization admin grants any project role up to their own, owner included. */
for (const dialect of DIALECTS) {
  describe(`project roles a project owner grants (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });

    it("lets a project owner (an organization member) add another owner", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Owners Grant Co" }), 201).id;
      const project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "shared", environment: "other" }), 201).id;
      const ana = await person(backend, "ana@grants.test");
      await account(backend, "ben@grants.test");
      for (const email of [ana.email, "ben@grants.test"]) expectStatus(await root.post(`/v1/organizations/${org}/members`, { email, role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/members`, { email: ana.email, role: "owner" }), 201);
      const added = expectStatus(await ana.post(`/v1/organizations/${org}/projects/${project}/members`, { email: "ben@grants.test", role: "owner" }), 201);
      assert.equal(added.role, "owner");
    });
  });
}
