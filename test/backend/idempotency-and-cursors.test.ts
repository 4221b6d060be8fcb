import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";

/** What a client sends back to the server, refused with what is wrong: an Idempotency-Key, a reused key, a page cursor. */
for (const dialect of DIALECTS) {
  describe(`idempotency keys and cursors, refused (${dialect.name})`, function () {
    this.timeout(60_000);
    const { root } = useBackend({ dialect });

    it("refuses an Idempotency-Key longer than 255 characters, naming the header", async () => {
      const res = expectStatus(await root.post("/v1/organizations", { name: "Keyed" }, { headers: { "idempotency-key": "k".repeat(256) } }), 400);
      assert.deepEqual(res.errors, [{ path: "Idempotency-Key", message: "must be 1-255 visible ASCII characters" }]);
    });

    it("refuses a key reused with another body, saying to use a new key", async () => {
      const headers = { "idempotency-key": "reuse-me-1" };
      expectStatus(await root.post("/v1/organizations", { name: "First" }, { headers }), 201);
      const res = expectStatus(await root.post("/v1/organizations", { name: "Second" }, { headers }), 422);
      assert.equal(res.detail, "idempotency-key was already used with a different request; use a new key for a new request");
    });

    it("refuses a cursor that is well-formed JSON of the wrong shape, naming 'after'", async () => {
      for (const forged of [[1, 2], ["only-one"], ["a", "b", "c"]]) {
        const after = Buffer.from(JSON.stringify(forged)).toString("base64url");
        const res = expectStatus(await root.get(`/v1/organizations?after=${after}`), 400);
        assert.deepEqual(res.errors, [{ path: "after", message: "must be a nextCursor value from a previous page" }], JSON.stringify(forged));
      }
    });
  });
}
