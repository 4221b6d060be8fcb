import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";
import { projectWithMember } from "./project-member";

/**
 * A create retried with its Idempotency-Key is answered with the first answer, without running
 * the create again: so even when the same create would now be refused (here: the key's owner has
 * left the project), the retry still learns what its first attempt did.
 */
for (const dialect of DIALECTS) {
  describe(`idempotent replay (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });

    it("replays a created API key though its owner has since left the project", async () => {
      const email = "ida@replay.test";
      const { path, membership } = await projectWithMember(backend, root, "Replay Co", email, "member");
      const keys = `${path}/api-keys`;
      const retry = { headers: { "idempotency-key": "create-ida-key" } };
      const created = expectStatus(await root.post(keys, { name: "ida's", owner: email }, retry), 201);
      expectStatus(await root.delete(`${keys}/${created.id}`), 204);
      expectStatus(await root.delete(`${path}/members/${membership.userId}`), 204);

      const replayed = expectStatus(await root.post(keys, { name: "ida's", owner: email }, retry), 200);
      assert.equal(replayed.id, created.id);
      assert.deepEqual([typeof created.secret, replayed.secret], ["string", undefined]);
    });
  });
}
