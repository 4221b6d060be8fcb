import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { client, editStore, expectStatus, person, sqlQuery, useBackend } from "./helpers";

/**
 * What a token's life leaves behind: a service account's token created and brought forward, each
 * once in its organization's log; a token minted from a token carrying its parent's idle record
 * as it is, no longer; an unknown token named in its 404.
 */
for (const dialect of DIALECTS) {
  describe(`token changes (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });

    it("logs a service account's token created and its expiry brought forward, once each, and nothing for a PATCH that moves nothing", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Token log" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "deployer", role: "member" }), 201);
      const tokens = `/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`;
      const minted = expectStatus(await root.post(tokens, { name: "ci", expiresInDays: 30 }), 201);
      const sooner = new Date(Date.parse(minted.expiresAt) - 86_400_000).toISOString();
      assert.equal(expectStatus(await root.patch(`${tokens}/${minted.id}`, { expiresAt: sooner }), 200).expiresAt, sooner);
      assert.equal(expectStatus(await root.patch(`${tokens}/${minted.id}`, { expiresAt: sooner }), 200).expiresAt, sooner);
      assert.equal(expectStatus(await root.patch(`${tokens}/${minted.id}`, {}), 200).expiresAt, sooner);
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200).data;
      const about = log.filter((e: { target: { id: string } }) => e.target.id === minted.id).map(({ action, target, changes }: Record<string, unknown>) => ({ action, target, changes }));
      const target = { type: "token", id: minted.id };
      assert.deepEqual(about, [
        { action: "token.created", target, changes: { name: { from: null, to: "ci" }, userId: { from: null, to: sa.userId }, expiresAt: { from: null, to: minted.expiresAt } } },
        { action: "token.updated", target, changes: { expiresAt: { from: minted.expiresAt, to: sooner } } },
      ]);
    });

    it("logs a service account's creation with its name, address and role", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Robot log" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "deployer", role: "billing" }), 201);
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200).data;
      const about = log.filter((e: { target: { id: string } }) => e.target.id === sa.userId).map(({ action, target, changes }: Record<string, unknown>) => ({ action, target, changes }));
      assert.deepEqual(about, [
        { action: "service_account.created", target: { type: "user", id: sa.userId }, changes: { name: { from: null, to: "deployer" }, email: { from: null, to: sa.email }, role: { from: null, to: "billing" } } },
      ]);
    });

    it("keeps a person's own token created in the instance's log, under no organization (no organization's log serves it)", async () => {
      const minted = expectStatus(await root.post("/v1/tokens", { name: "laptop", expiresInDays: 7 }), 201);
      const events = await sqlQuery(backend, "SELECT organization_id, action, target_type, changes FROM audit_events WHERE target_id = $1", [minted.id]);
      assert.deepEqual(
        events.map((e) => [e.organization_id, e.action, e.target_type, typeof e.changes === "string" ? JSON.parse(e.changes) : e.changes]),
        [[null, "token.created", "token", { name: { from: null, to: "laptop" }, userId: { from: null, to: minted.userId }, expiresAt: { from: null, to: minted.expiresAt } }]],
      );
    });

    it("logs a token minted without an expiry with no expiresAt among its changes", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Endless log" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "forever", role: "member" }), 201);
      const minted = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "ci" }), 201);
      assert.equal(minted.expiresAt, undefined, "minted without an expiry");
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200).data;
      const created = log.find((e: { action: string; target: { id: string } }) => e.action === "token.created" && e.target.id === minted.id);
      assert.deepEqual(created.changes, { name: { from: null, to: "ci" }, userId: { from: null, to: sa.userId } });
    });

    it("revokes a token once: a second revocation changes nothing and logs nothing", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Revoke log" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "rotating", role: "member" }), 201);
      const tokens = `/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`;
      const current = client(backend, expectStatus(await root.post(tokens, { name: "current" }), 201).token);
      const old = expectStatus(await root.post(tokens, { name: "old" }), 201);
      // The service account retires its old token with its current one, twice.
      expectStatus(await current.delete(`/v1/tokens/${old.id}`), 204);
      const read = async () => expectStatus(await root.get(`${tokens}?limit=100`), 200).data.find((t: { id: string }) => t.id === old.id);
      const revoked = await read();
      assert.equal(revoked.status, "revoked");
      await new Promise((r) => setTimeout(r, 5));
      expectStatus(await current.delete(`/v1/tokens/${old.id}`), 204);
      assert.deepEqual(await read(), revoked, "the second revocation left the token as the first did");
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200).data;
      const about = log.filter((e: { action: string; target: { id: string } }) => e.action === "token.revoked").map(({ target, changes }: Record<string, unknown>) => ({ target, changes }));
      assert.deepEqual(about, [{ target: { type: "token", id: old.id }, changes: { status: { from: "active", to: "revoked" } } }]);
    });

    it("names an unknown token in the 404 of reading and of revoking it", async () => {
      const unknown = "tok_0000000000000000000000";
      assert.equal(expectStatus(await root.get(`/v1/tokens/${unknown}`), 404).detail, `token "${unknown}" not found`);
      assert.equal(expectStatus(await root.delete(`/v1/tokens/${unknown}`), 404).detail, `token "${unknown}" not found`);
    });

    it("gives a token minted from a token the parent's longest pause, in seconds: a child of a token that paused 30 minutes works where 60 are allowed", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Patient children", securityPolicy: { session: { idleTimeoutMinutes: 60 } } }), 201).id;
      const uma = await person(backend, "uma@tokens.test");
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: uma.email, role: "member" }), 201);
      await editStore(backend, "UPDATE tokens SET last_used_at = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)", [new Date(Date.now() - 30 * 60_000).toISOString(), uma.email]);
      const child = client(backend, expectStatus(await uma.post("/v1/tokens", { name: "child" }), 201).token);
      expectStatus(await child.get(`/v1/organizations/${orgId}`), 200);
    });
  });
}
