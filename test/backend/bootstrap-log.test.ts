import assert from "node:assert/strict";
import { Backend, DIALECTS, startBackend } from "../support/backend";

/** A bootstrap token given to a store that already has users is ignored, and the log says so once, without the token. */
const IGNORED = "TENANCY_BOOTSTRAP_TOKEN ignored: the store already has users";

for (const dialect of DIALECTS) {
  describe(`the bootstrap on a store that has users (${dialect.name})`, function () {
    this.timeout(60_000);
    let backend: Backend;
    before(async () => (backend = await startBackend({ dialect })));
    after(() => backend?.dispose());

    it("installs the token on the empty store without a word, and says so in one line at the next start", async () => {
      await backend.stop();
      assert.equal(backend.logs().includes(IGNORED), false);
      await backend.restart();
      await backend.stop();
      const lines = backend.logs().split("\n").filter((l) => l.includes(IGNORED));
      assert.equal(lines.length, 1);
      assert.equal(JSON.parse(lines[0]).level, 40);
      assert.equal(backend.logs().includes(backend.token), false, "the token is not logged");
    });
  });
}
