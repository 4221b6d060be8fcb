import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { AUTH_CACHE_MS, client, expectStatus, useBackend } from "./helpers";

/** A service account's token: its expiry brought forward (a rotation's overlap ending), never back. */
for (const dialect of DIALECTS) {
  describe(`service account token expiry (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });

    it("brings the expiry forward, refuses pushing it back or clearing it naming expiresAt, and the token stops working once it passes", async () => {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Bots" }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "ci", role: "member" }), 201);
      const base = `/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`;
      const minted = expectStatus(await root.post(base, { name: "ci" }), 201);
      const ci = client(backend, minted.token);
      expectStatus(await ci.get("/v1/me"), 200);

      const soon = new Date(Date.now() + 3_600_000).toISOString();
      const shortened = expectStatus(await root.patch(`${base}/${minted.id}`, { expiresAt: soon }), 200);
      assert.deepEqual([shortened.id, shortened.expiresAt, shortened.status], [minted.id, soon, "active"]);
      const later = new Date(Date.parse(soon) + 1000).toISOString();
      assert.deepEqual(expectStatus(await root.patch(`${base}/${minted.id}`, { expiresAt: later }), 400).errors, [
        { path: "expiresAt", message: `must be at or before ${soon}, the current expiry: an expiry is brought forward, never extended` },
      ]);
      assert.deepEqual(expectStatus(await root.patch(`${base}/${minted.id}`, { expiresAt: null }), 400).errors, [
        { path: "expiresAt", message: `may only be brought forward: it is ${soon}, and null (never) would extend it` },
      ]);
      expectStatus(await ci.get("/v1/me"), 200);

      const past = new Date(Date.now() - 1000).toISOString();
      assert.equal(expectStatus(await root.patch(`${base}/${minted.id}`, { expiresAt: past }), 200).status, "expired");
      // A remembered token is believed for at most the auth cache's lifetime: await the refusal, bounded by it.
      const deadline = Date.now() + 4 * AUTH_CACHE_MS;
      let status = 200;
      while (status === 200 && Date.now() < deadline) status = (await ci.get("/v1/me")).status;
      assert.equal(status, 401);
      const audit = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?action=token.updated`), 200).data;
      assert.deepEqual(audit.map((e: any) => e.changes.expiresAt.to).sort(), [past, soon].sort());
    });
  });
}
