import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { account, expectStatus, useBackend } from "./helpers";

/**
 * What a membership request that cannot be served names: the externalId already held by another
 * membership of the same project (and that membership, so a deployment can adopt it), and the
 * member a well-formed user id does not name.
 */
for (const dialect of DIALECTS) {
  describe(`membership conflicts and lookups (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let org: string;
    let members: string;

    before(async () => {
      org = expectStatus(await root.post("/v1/organizations", { name: "Membership Conflicts" }), 201).id;
      const project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "p", environment: "other" }), 201).id;
      members = `/v1/organizations/${org}/projects/${project}/members`;
    });

    it("answers a project membership's taken externalId with the membership that holds it, naming its user", async () => {
      const [first, second] = [await account(backend, "holder@conflicts.test"), await account(backend, "second@conflicts.test")];
      for (const email of [first, second]) expectStatus(await root.post(`/v1/organizations/${org}/members`, { email, role: "member" }), 201);
      const holder = expectStatus(await root.post(members, { email: first, role: "member", externalId: "urn:pm" }), 201);
      const again = expectStatus(await root.post(members, { email: second, role: "member", externalId: "urn:pm" }), 409);
      assert.deepEqual([again.code, again.detail, again.existing], ["external_id_taken", `externalId "urn:pm" is already used by the membership of ${holder.userId}`, holder]);
    });

    it("answers 404 naming the member for a well-formed user id that is not one", async () => {
      const res = await root.get(`/v1/organizations/${org}/members/user_0000000000000000missing`);
      assert.equal(expectStatus(res, 404).detail, 'member "user_0000000000000000missing" not found');
    });
  });
}
