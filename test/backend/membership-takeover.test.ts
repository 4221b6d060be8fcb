import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";
import { projectWithMember } from "./project-member";

/**
 * A deployment takes over a project membership it finds by setting its externalId, role unchanged:
 * the answer is the membership as it is now (the externalId set, its version moved), which the
 * provider keeps as its state.
 */
for (const dialect of DIALECTS) {
  describe(`membership take-over (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });

    it("answers a project membership taken over with its role unchanged as it now is", async () => {
      const email = "tom@takeover.test";
      const { path: project, membership: before } = await projectWithMember(backend, root, "Take-over Co", email, "viewer");
      const path = `${project}/members/${before.userId}`;

      const taken = expectStatus(await root.patch(path, { role: "viewer", externalId: "ext-tom" }), 200);
      assert.equal(taken.externalId, "ext-tom");
      assert.notEqual(taken.version, before.version);
      assert.deepEqual(taken, expectStatus(await root.get(path), 200));
    });
  });
}
