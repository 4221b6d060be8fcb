import assert from "node:assert/strict";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { account, call, client, expectStatus } from "./helpers";

const RACERS = 8;

/** Check-then-write rules under concurrent requests spread over two instances on one store. */
for (const dialect of DIALECTS) {
  describe(`concurrency (${dialect.name})`, () => {
    let backend: Backend;
    let twin: Backend;
    let org: string;

    before(async () => {
      backend = await startBackend({ dialect });
      twin = await startBackend({ dialect, env: { TENANCY_DATABASE_URL: backend.databaseUrl } });
      org = expectStatus(await client(backend, backend.token).post("/v1/organizations", { name: "Racy" }), 201).id;
    });
    after(async () => {
      await twin.dispose();
      await backend.dispose();
    });

    const race = (path: string, body: (i: number) => unknown, headers: (i: number) => Record<string, string> = () => ({})) =>
      Promise.all(Array.from({ length: RACERS }, (_, i) => call((i % 2 ? twin : backend).url, "POST", path, backend.token, { body: body(i), headers: headers(i) })));

    it("creates exactly one active project per name", async () => {
      const results = await race(`/v1/organizations/${org}/projects`, () => ({ name: "contested", environment: "other" }));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(RACERS - 1).fill(409)]);
      assert.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === "name_taken"));
    });

    it("creates exactly one project per externalId", async () => {
      const results = await race(`/v1/organizations/${org}/projects`, (i) => ({ name: `ext-${i}`, environment: "other", externalId: "urn:contested" }));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(RACERS - 1).fill(409)]);
      assert.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === "external_id_taken"));
    });

    it("adds a member once, answering member_exists with the winner's membership to the rest", async () => {
      const email = await account(backend, "racer@racy.test");
      const results = await race(`/v1/organizations/${org}/members`, () => ({ email, role: "member" }));
      const winner = results.find((r) => r.status === 201)!;
      assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(RACERS - 1).fill(409)]);
      for (const r of results.filter((x) => x.status === 409)) assert.deepEqual(r.body.existing, winner.body);
    });

    it("invites a person without an account once, answering invitation_pending with the winner's invitation to the rest", async () => {
      const results = await race(`/v1/organizations/${org}/members`, () => ({ email: "invitee@racy.test", role: "member" }));
      assert.deepEqual(results.map((r) => r.status).sort(), [202, ...Array(RACERS - 1).fill(409)]);
      const { acceptUrl: _url, ...winner } = results.find((r) => r.status === 202)!.body;
      for (const r of results.filter((x) => x.status === 409)) assert.deepEqual([r.body.code, r.body.existing], ["invitation_pending", winner]);
    });

    it("answers one object for one Idempotency-Key sent many times at once", async () => {
      const results = await race(`/v1/organizations/${org}/projects`, () => ({ name: "idempotent", environment: "other" }), () => ({ "idempotency-key": "same-key" }));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 201].slice(8 - RACERS));
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
    });
  });
}
