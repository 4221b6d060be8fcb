import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";

/**
 * `If-Match` on a versioned write, beyond the stale/matching pair protocol.test.ts checks: no
 * header and `*` write unconditionally, a list matches when any of its tags does, and a 412
 * names the tag sent and the current one.
 */
for (const dialect of DIALECTS) {
  describe(`If-Match (${dialect.name})`, () => {
    const { root } = useBackend({ dialect });

    it("writes without the header or with *, matches any tag of a list, and names both versions in a 412", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: `If-Match ${dialect.name}` }), 201).id;
      const p = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "if-match", environment: "other" }), 201);
      const path = `/v1/organizations/${orgId}/projects/${p.id}`;
      assert.equal(expectStatus(await root.patch(path, { description: "no header" }), 200).version, 2);
      assert.equal(expectStatus(await root.patch(path, { description: "star" }, { headers: { "if-match": "*" } }), 200).version, 3);
      assert.equal(expectStatus(await root.patch(path, { description: "list" }, { headers: { "if-match": '"9", W/"3"' } }), 200).version, 4);
      const stale = expectStatus(await root.patch(path, { description: "stale" }, { headers: { "if-match": '"1", "2"' } }), 412);
      assert.equal(stale.detail, 'if-match "1", "2" does not match the current version "4"; read the object again and retry');
    });
  });
}
