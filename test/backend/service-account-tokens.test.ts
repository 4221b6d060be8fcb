import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { client, expectStatus, useBackend } from "./helpers";

/**
 * A service account's tokens as its admins see them: listed, revoked once (a second revoke answers
 * 204 and logs nothing), and a token id that names none of its tokens is a 404 naming it, on every
 * route that takes one.
 */
for (const dialect of DIALECTS) {
  describe(`service account tokens (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });

    async function serviceAccount(name: string) {
      const org = expectStatus(await root.post("/v1/organizations", { name }), 201).id;
      const sa = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "ci", role: "member" }), 201);
      return { org, tokens: `/v1/organizations/${org}/service-accounts/${sa.userId}/tokens` };
    }

    it("lists the tokens minted for a service account, and revokes one once: it stops working and one event is logged", async () => {
      const { org, tokens } = await serviceAccount("Robots");
      const kept = expectStatus(await root.post(tokens, { name: "kept" }), 201);
      const doomed = expectStatus(await root.post(tokens, { name: "doomed" }), 201);
      const listed = (await root.get(tokens)).body.data.map((t: { id: string; status: string }) => [t.id, t.status]).sort();
      assert.deepEqual(listed, [[kept.id, "active"], [doomed.id, "active"]].sort());

      expectStatus(await root.delete(`${tokens}/${doomed.id}`), 204);
      expectStatus(await root.delete(`${tokens}/${doomed.id}`), 204);
      assert.equal(expectStatus(await client(backend, doomed.token).get("/v1/me"), 401).code, "unauthenticated");
      expectStatus(await client(backend, kept.token).get("/v1/me"), 200);
      const statuses = Object.fromEntries(expectStatus(await root.get(tokens), 200).data.map((t: { id: string; status: string }) => [t.id, t.status]));
      assert.deepEqual(statuses, { [kept.id]: "active", [doomed.id]: "revoked" });
      const events = expectStatus(await root.get(`/v1/organizations/${org}/audit-events?action=token.revoked`), 200).data;
      assert.deepEqual(events.map((e: { target: { id: string } }) => e.target.id), [doomed.id]);
    });

    it("answers a token id that names none of the service account's tokens with 404, naming it", async () => {
      const { tokens } = await serviceAccount("No Tokens Co");
      const missing = "tok_doesnotexist0";
      for (const res of [await root.delete(`${tokens}/${missing}`), await root.patch(`${tokens}/${missing}`, { expiresAt: new Date(Date.now() + 86_400_000).toISOString() })]) {
        const body = expectStatus(res, 404);
        assert.deepEqual([body.code, body.detail], ["not_found", `token "${missing}" not found`]);
      }
    });
  });
}
