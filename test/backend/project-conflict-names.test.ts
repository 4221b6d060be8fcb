import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, person, useBackend } from "./helpers";

/**
 * A name or externalId conflict names the other project to a caller who can read it: an admin
 * (access-holes.test.ts) and, as here, a member of that project who is no admin. Whoever cannot
 * read it is told only that it exists (access-holes.test.ts).
 */
for (const dialect of DIALECTS) {
  describe(`project conflict names (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });

    it("names the other project to a member of it who is not an admin", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Shared projects", settings: { membersCanCreateProjects: true } }), 201).id;
      const taken = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "shared", environment: "staging", externalId: "ext-shared" }), 201).id;
      const hal = await person(backend, "hal@conflicts.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: hal.email, role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${taken}/members`, { email: hal.email, role: "viewer" }), 201);

      const byName = expectStatus(await hal.post(`/v1/organizations/${org}/projects`, { name: "shared", environment: "development" }), 409);
      assert.equal(byName.detail, `an active project named "shared" already exists in this organization (${taken})`);
      const byRef = expectStatus(await hal.post(`/v1/organizations/${org}/projects`, { name: "other", environment: "development", externalId: "ext-shared" }), 409);
      assert.deepEqual([byRef.detail, byRef.existing?.id], [`externalId "ext-shared" is already used by project ${taken}`, taken]);
    });
  });
}
