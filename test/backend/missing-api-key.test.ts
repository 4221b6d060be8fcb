import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";

/** A well-formed API key id that names no key of the project: a 404 saying what was not found. */
for (const dialect of DIALECTS) {
  describe(`missing API key (${dialect.name})`, function () {
    this.timeout(60_000);
    const { root } = useBackend({ dialect });

    it("says which API key was not found", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Keyless Co" }), 201).id;
      const project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "keyless", environment: "other" }), 201).id;
      const missing = expectStatus(await root.get(`/v1/organizations/${org}/projects/${project}/api-keys/key_doesnotexist0`), 404);
      assert.deepEqual([missing.code, missing.detail], ["not_found", 'api key "key_doesnotexist0" not found']);
    });
  });
}
