import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { account, expectStatus, sqlQuery, useBackend } from "./helpers";

/**
 * A member leaves only once no active API key of theirs would be left without its owner
 * (409 owns_active_keys naming every such key); keys that expired or were revoked stand in no
 * one's way. And a key that does not exist is a 404 naming it, never a 500.
 */
for (const dialect of DIALECTS) {
  describe(`API keys and their owners (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });
    const email = "ben@owners.test";

    it("names every active key of a leaving member, and lets them go once only expired or revoked keys are theirs", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Owners Co" }), 201).id;
      const project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "keys", environment: "other" }), 201).id;
      const keys = `/v1/organizations/${org}/projects/${project}/api-keys`;
      // A key's owner is a member, so a person with an account (one without would be invited).
      await account(backend, email);
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email, role: "member" }), 201);
      const member = expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/members`, { email, role: "member" }), 201);
      const made: Record<string, { id: string }> = {};
      for (const name of ["one", "two", "old", "gone"]) made[name] = expectStatus(await root.post(keys, { name, owner: email }), 201);
      await sqlQuery(backend, "update api_keys set expires_at = $1 where id = $2", [new Date(Date.now() - 86_400_000).toISOString(), made.old.id]);
      expectStatus(await root.delete(`${keys}/${made.gone.id}`), 204);

      const leave = `/v1/organizations/${org}/projects/${project}/members/${member.userId}`;
      const refused = expectStatus(await root.delete(leave), 409);
      assert.equal(refused.code, "owns_active_keys");
      assert.deepEqual(refused.keys.map((k: { name: string }) => k.name).sort(), ["one", "two"]);
      const listed = refused.keys.map((k: { id: string; name: string }) => `${k.name} (${k.id})`).join(", ");
      assert.equal(refused.detail, `${email} still owns active API keys: ${listed}; revoke them or create replacements owned by someone else first`);

      for (const name of ["one", "two"]) expectStatus(await root.delete(`${keys}/${made[name].id}`), 204);
      expectStatus(await root.delete(leave), 204);
    });

    it("answers a key id that names no key with 404, naming it", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "No Key Co" }), 201).id;
      const project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "empty", environment: "other" }), 201).id;
      const missing = expectStatus(await root.get(`/v1/organizations/${org}/projects/${project}/api-keys/key_doesnotexist0`), 404);
      assert.equal(missing.code, "not_found");
      assert.match(missing.detail, /key_doesnotexist0/);
    });
  });
}
