import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { account, expectStatus, useBackend } from "./helpers";

/**
 * A 409 external_id_taken carries the live object holding that externalId (redacted like any
 * read), so a client that lost track of its create takes it over without a list call.
 */
for (const dialect of DIALECTS) {
  describe(`externalId conflicts (${dialect.name})`, function () {
    const { backend, root } = useBackend({ dialect });

    it("answers each taken externalId with the object that holds it", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Ext", externalId: "urn:org" }), 201);
      const orgAgain = expectStatus(await root.post("/v1/organizations", { name: "Ext 2", externalId: "urn:org" }), 409);
      assert.deepEqual([orgAgain.code, orgAgain.existing], ["external_id_taken", org]);

      const projects = `/v1/organizations/${org.id}/projects`;
      const project = expectStatus(await root.post(projects, { name: "p", environment: "other", externalId: "urn:p" }), 201);
      // Name and externalId both taken: the externalId answers, so "mine, lost" differs from "someone else's".
      const projectAgain = expectStatus(await root.post(projects, { name: "p", environment: "other", externalId: "urn:p" }), 409);
      assert.deepEqual([projectAgain.code, projectAgain.existing], ["external_id_taken", project]);
      assert.equal(expectStatus(await root.post(projects, { name: "p", environment: "other", externalId: "urn:other" }), 409).code, "name_taken");

      const member = expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: await account(backend, "m@ext.test"), role: "member", externalId: "urn:m" }), 201);
      const memberAgain = expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: "n@ext.test", role: "member", externalId: "urn:m" }), 409);
      assert.deepEqual([memberAgain.code, memberAgain.existing], ["external_id_taken", member]);

      // A service account's membership holds its externalId among the organization's members, whoever holds it.
      const robots = `/v1/organizations/${org.id}/service-accounts`;
      const robot = expectStatus(await root.post(robots, { name: "ci", role: "member", externalId: "urn:sa" }), 201);
      const robotAgain = expectStatus(await root.post(robots, { name: "ci-2", role: "member", externalId: "urn:sa" }), 409);
      assert.deepEqual([robotAgain.code, robotAgain.existing], ["external_id_taken", robot]);
      const robotOverMember = expectStatus(await root.post(robots, { name: "ci-3", role: "member", externalId: "urn:m" }), 409);
      assert.deepEqual([robotOverMember.code, robotOverMember.existing], ["external_id_taken", member]);

      expectStatus(await root.post(`${projects}/${project.id}/members`, { email: backend.email, role: "owner" }), 201);
      const keys = `${projects}/${project.id}/api-keys`;
      const { secret, ...key } = expectStatus(await root.post(keys, { name: "k", owner: backend.email, externalId: "urn:k" }), 201);
      assert.match(secret, /^tpk_/);
      const keyAgain = expectStatus(await root.post(keys, { name: "k2", owner: backend.email, externalId: "urn:k" }), 409);
      assert.deepEqual([keyAgain.code, keyAgain.existing], ["external_id_taken", key]);
      assert.ok(!JSON.stringify(keyAgain).includes(secret), "the secret must never come back");
    });
  });
}
