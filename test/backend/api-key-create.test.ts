import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, person, useBackend } from "./helpers";

/**
 * Creating and managing API keys, what each refusal says: an owner who is no project member, a
 * member making a key for someone else or touching another's key, an externalId a live key holds
 * (409 with that key, redacted); and each creation leaves its audit entry.
 */
for (const dialect of DIALECTS) {
  describe(`API key creation, refusals and audit (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });
    let org: string;
    let project: string;
    let keys: string;
    let dee: Awaited<ReturnType<typeof person>>;

    before(async () => {
      org = expectStatus(await root.post("/v1/organizations", { name: "Key Rules Co" }), 201).id;
      project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "rules", environment: "other" }), 201).id;
      keys = `/v1/organizations/${org}/projects/${project}/api-keys`;
      dee = await person(backend, "dee@rules.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: dee.email, role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/members`, { email: dee.email, role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/members`, { email: backend.email, role: "owner" }), 201);
    });

    it("refuses an owner who is not a member of the project, naming the field and the project", async () => {
      const res = expectStatus(await root.post(keys, { name: "stray", owner: "nobody@rules.test" }), 400);
      assert.deepEqual(res.errors, [{ path: "owner", message: `must be the email of a member of project ${project}` }]);
    });

    it("refuses a member a key owned by someone else, and another's key to change, saying what their role does not allow", async () => {
      const forOther = expectStatus(await dee.post(keys, { name: "not-mine", owner: backend.email }), 403);
      assert.equal(forOther.detail, "your role does not allow you to create keys owned by someone else");
      const rootKey = expectStatus(await root.post(keys, { name: "roots", owner: backend.email }), 201);
      const touch = expectStatus(await dee.patch(`${keys}/${rootKey.id}`, { name: "taken-over" }), 403);
      assert.equal(touch.detail, "your role does not allow you to manage this key");
    });

    it("answers an externalId a live key holds with 409 naming it and that key, redacted", async () => {
      const first = expectStatus(await root.post(keys, { name: "first", owner: backend.email, externalId: "ci-key" }), 201);
      const again = expectStatus(await root.post(keys, { name: "second", owner: backend.email, externalId: "ci-key" }), 409);
      assert.equal(again.code, "external_id_taken");
      assert.equal(again.detail, `externalId "ci-key" is already used by a live key of project ${project}`);
      assert.equal(again.existing.id, first.id);
      assert.equal(again.existing.redactedValue, first.redactedValue);
      assert.equal(again.existing.secret, undefined);
    });

    it("records each creation in the audit log as api_key.created on the key", async () => {
      const made = expectStatus(await root.post(keys, { name: "audited", owner: backend.email }), 201);
      const log = expectStatus(await root.get(`/v1/organizations/${org}/audit-events?action=api_key.created&limit=100`), 200);
      const entry = log.data.find((e: { target: { id: string } }) => e.target.id === made.id);
      assert.ok(entry, "no audit entry for the key's creation");
      assert.deepEqual([entry.action, entry.target, entry.projectId], ["api_key.created", { type: "api_key", id: made.id }, project]);
    });
    it("audits a rename and a revocation once each, with their changes; a patch that changes nothing and a second revocation leave no entry and no new version", async () => {
      const key = expectStatus(await root.post(keys, { name: "lifecycle", owner: backend.email }), 201);
      const entries = async () => expectStatus(await root.get(`/v1/organizations/${org}/audit-events?limit=100`), 200).data.filter((e: { target: { id: string } }) => e.target.id === key.id);
      const same = expectStatus(await root.patch(`${keys}/${key.id}`, { name: "lifecycle" }), 200);
      assert.equal(same.version, key.version);
      const renamed = expectStatus(await root.patch(`${keys}/${key.id}`, { name: "renamed" }), 200);
      assert.equal(renamed.version, key.version + 1);
      expectStatus(await root.delete(`${keys}/${key.id}`), 204);
      expectStatus(await root.delete(`${keys}/${key.id}`), 204);
      const revoked = expectStatus(await root.get(`${keys}/${key.id}`), 200);
      assert.equal(revoked.version, key.version + 2);
      const log = (await entries()).map((e: { action: string; target: unknown; changes: unknown }) => [e.action, e.target, e.changes]);
      assert.deepEqual(log.filter((e: unknown[]) => e[0] !== "api_key.created").sort(), [
        ["api_key.revoked", { type: "api_key", id: key.id }, { status: { from: "active", to: "revoked" } }],
        ["api_key.updated", { type: "api_key", id: key.id }, { name: { from: "lifecycle", to: "renamed" } }],
      ]);
    });
    it("renames a key that never expires, and gives it an expiry, where the organization sets no maximum lifetime", async () => {
      const key = expectStatus(await root.post(keys, { name: "forever", owner: backend.email }), 201);
      assert.equal(key.expiresAt ?? null, null);
      assert.equal(expectStatus(await root.patch(`${keys}/${key.id}`, { name: "still-forever" }), 200).name, "still-forever");
      const at = new Date(Date.now() + 86_400_000).toISOString();
      assert.equal(expectStatus(await root.patch(`${keys}/${key.id}`, { expiresAt: at }), 200).expiresAt, at);
    });
  });
}
