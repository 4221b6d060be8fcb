import assert from "node:assert/strict";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { call, client, expectStatus } from "./helpers";

const RACERS = 8;

/**
 * Creating an organization locks no row that concurrent requests could queue on (there is no
 * organization yet), so one Idempotency-Key sent many times at once reaches the database many
 * times: the requests that lose the race for the key must answer the winner's organization,
 * not an error, and only one organization may exist. Two instances on one store, as in production.
 */
for (const dialect of DIALECTS) {
  describe(`one organization for one Idempotency-Key sent many times at once (${dialect.name})`, () => {
    let backend: Backend;
    let twin: Backend;

    before(async () => {
      backend = await startBackend({ dialect });
      twin = await startBackend({ dialect, env: { TENANCY_DATABASE_URL: backend.databaseUrl } });
    });
    after(async () => {
      await twin.dispose();
      await backend.dispose();
    });

    it("answers every racer with the one organization it created", async () => {
      const body = { name: "Raced Into Being" };
      const headers = { "idempotency-key": "org-race" };
      const results = await Promise.all(Array.from({ length: RACERS }, (_, i) => call((i % 2 ? twin : backend).url, "POST", "/v1/organizations", backend.token, { body, headers })));
      assert.deepEqual(results.map((r) => r.status).sort(), [...Array(RACERS - 1).fill(200), 201], results.map((r) => r.text.slice(0, 200)).join("\n"));
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      const listed = expectStatus(await client(backend, backend.token).get("/v1/organizations?name=Raced%20Into%20Being"), 200);
      assert.equal(listed.data.length, 1);
    });
  });
}
