import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { Api, client, expectStatus, ISO, person, useBackend } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`api keys (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let orgId: string;
    let projectId: string;
    let base: string;
    let mia: Api & { email: string };
    let vic: Api & { email: string };

    before(async () => {
      orgId = expectStatus(await root.post("/v1/organizations", { name: "Keys Inc", settings: { apiKeyMaxLifetimeDays: 90 } }), 201).id;
      projectId = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "keys", environment: "development" }), 201).id;
      base = `/v1/organizations/${orgId}/projects/${projectId}/api-keys`;
      [mia, vic] = await Promise.all([person(backend, "mia@keys.test"), person(backend, "vic@keys.test")]);
      for (const [who, role] of [[mia, "member"], [vic, "viewer"]] as const) {
        expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: who.email, role: "member" }), 201);
        expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${projectId}/members`, { email: who.email, role }), 201);
      }
    });

    it("creates a key whose secret appears once, with a checksum and the organization's maximum lifetime", async () => {
      const res = await root.post(base, { name: "backend", owner: mia.email, externalId: "urn:k1" });
      const key = expectStatus(res, 201);
      assert.match(key.secret, /^tpk_[0-9A-Za-z]{49}$/);
      assert.match(key.expiresAt, ISO);
      const days = (Date.parse(key.expiresAt) - Date.parse(key.createdAt)) / 86_400_000;
      assert.equal(days, 90);
      assert.deepEqual(key, {
        id: key.id,
        projectId,
        organizationId: orgId,
        name: "backend",
        owner: mia.email,
        permissions: "all",
        redactedValue: `tpk_…${key.secret.slice(-4)}`,
        expiresAt: key.expiresAt,
        status: "active",
        externalId: "urn:k1",
        createdAt: key.createdAt,
        updatedAt: key.createdAt,
        version: 1,
        secret: key.secret,
      });
      const { secret: _s, ...shown } = key;
      assert.deepEqual(expectStatus(await root.get(`${base}/${key.id}`), 200), shown);
      assert.deepEqual(expectStatus(await root.get(`${base}?externalId=urn:k1`), 200), { data: [shown], hasMore: false, nextCursor: null });
      // API keys never authenticate the management API.
      assert.equal(expectStatus(await client(backend, key.secret).get("/v1/me"), 401).code, "unauthenticated");
    });

    it("refuses a lifetime above apiKeyMaxLifetimeDays and an owner outside the project", async () => {
      const long = expectStatus(await root.post(base, { name: "long", owner: mia.email, expiresInDays: 91 }), 400);
      assert.deepEqual(long.errors, [{ path: "expiresInDays", message: "must be at most 90 days (settings.apiKeyMaxLifetimeDays)" }]);
      const outsider = expectStatus(await root.post(base, { name: "x", owner: backend.email }), 400);
      assert.deepEqual(outsider.errors.map((e: any) => e.path), ["owner"]);
    });

    it("lets a project member create and revoke only keys they own; viewers none", async () => {
      const own = expectStatus(await mia.post(base, { name: "mine", owner: mia.email, permissions: "read_only", expiresInDays: 7 }), 201);
      assert.equal(own.permissions, "read_only");
      assert.equal(expectStatus(await mia.post(base, { name: "theirs", owner: vic.email }), 403).code, "forbidden");
      assert.equal(expectStatus(await vic.post(base, { name: "v", owner: vic.email }), 403).code, "forbidden");
      const others = expectStatus(await root.post(base, { name: "admins", owner: vic.email }), 201);
      expectStatus(await mia.delete(`${base}/${others.id}`), 403);
      expectStatus(await vic.delete(`${base}/${own.id}`), 403);
      const renamed = expectStatus(await mia.patch(`${base}/${own.id}`, { name: "mine-renamed" }, { headers: { "if-match": '"1"' } }), 200);
      assert.deepEqual([renamed.name, renamed.version], ["mine-renamed", 2]);
      expectStatus(await mia.delete(`${base}/${own.id}`), 204);
      const revoked = expectStatus(await mia.get(`${base}/${own.id}`), 200);
      assert.equal(revoked.status, "revoked");
      const listed = expectStatus(await root.get(`${base}?status=revoked`), 200);
      assert.deepEqual(listed.data.map((k: any) => k.id), [own.id]);
      // Only the name of a key can change.
      assert.deepEqual(expectStatus(await root.patch(`${base}/${others.id}`, { owner: mia.email }), 400).errors.map((e: any) => e.path), ["owner"]);
    });

    it("brings a key's expiry forward on PATCH (into the past: expired at once), never back, with one audit event each", async () => {
      const k = expectStatus(await root.post(base, { name: "rotating", owner: mia.email }), 201);
      const soon = new Date(Date.parse(k.expiresAt) - 86_400_000).toISOString();
      const shortened = expectStatus(await root.patch(`${base}/${k.id}`, { expiresAt: soon }), 200);
      assert.deepEqual([shortened.expiresAt, shortened.status, shortened.version], [soon, "active", 2]);
      const later = new Date(Date.parse(soon) + 1000).toISOString();
      assert.deepEqual(expectStatus(await root.patch(`${base}/${k.id}`, { expiresAt: later }), 400).errors, [
        { path: "expiresAt", message: `must be at or before ${soon}, the current expiry: an expiry is brought forward, never extended` },
      ]);
      assert.deepEqual(expectStatus(await root.patch(`${base}/${k.id}`, { expiresAt: null }), 400).errors, [
        { path: "expiresAt", message: `may only be brought forward: it is ${soon}, and null (never) would extend it` },
      ]);
      // An offset is the same instant: the stored expiry compares as an instant.
      const past = new Date(Date.now() - 60_000);
      const inOffset = new Date(past.getTime() + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
      const expired = expectStatus(await root.patch(`${base}/${k.id}`, { expiresAt: inOffset }), 200);
      assert.deepEqual([expired.expiresAt, expired.status], [past.toISOString(), "expired"]);
      const audit = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?action=api_key.updated`), 200).data.filter((e: any) => e.target.id === k.id);
      assert.deepEqual(audit.map((e: any) => e.changes).sort((a: any, b: any) => (a.expiresAt.to < b.expiresAt.to ? -1 : 1)), [
        { expiresAt: { from: soon, to: past.toISOString() } },
        { expiresAt: { from: k.expiresAt, to: soon } },
      ]);
    });

    it("answers 409 external_id_taken for a second live key with the same externalId, free again once revoked", async () => {
      const k = expectStatus(await root.post(base, { name: "a", owner: mia.email, externalId: "urn:rot" }), 201);
      assert.equal(expectStatus(await root.post(base, { name: "b", owner: mia.email, externalId: "urn:rot" }), 409).code, "external_id_taken");
      expectStatus(await root.delete(`${base}/${k.id}`), 204);
      expectStatus(await root.post(base, { name: "b", owner: mia.email, externalId: "urn:rot" }), 201);
    });
  });
}
