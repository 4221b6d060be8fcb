import assert from "node:assert/strict";
import { sql } from "kysely";
import { bootstrapIfEmpty } from "../../backend/services/bootstrap.service";
import { mintToken } from "../../backend/services/tokens.service";
import { anyUserExists } from "../../backend/store/users.repository";
import { tempStore } from "./helpers";

/**
 * The operator's bootstrap user and token, installed on an empty store at start (server.ts): not
 * without a bootstrap configured; not again when another instance installed the same token first
 * (false: the server then says the bootstrap was ignored); and an install that fails for any other
 * reason fails the start, never passed off as that race.
 */
describe("bootstrap install", () => {
  const bootstrap = { email: "root@bootstrap.test", token: "bootstrap-install-0123456789abcdef" };
  let t: Awaited<ReturnType<typeof tempStore>>;
  beforeEach(async () => (t = await tempStore("bootstrap")));
  afterEach(() => t.dispose());

  it("installs nothing and says so when no bootstrap is configured", async () => {
    assert.equal(await bootstrapIfEmpty(t.store, undefined), false);
    assert.equal(await anyUserExists(t.store.db), false);
  });

  it("answers false when another instance installed the same token between its check and its insert", async () => {
    // The other instance's token, committed while this one still saw no user: its user row is
    // left out (foreign keys off for this one insert) so that this instance's check still passes.
    await sql`PRAGMA foreign_keys = OFF`.execute(t.store.db);
    await mintToken(t.store.db, "user_otherinstance", "bootstrap", new Date().toISOString(), undefined, bootstrap.token);
    await sql`PRAGMA foreign_keys = ON`.execute(t.store.db);
    assert.equal(await bootstrapIfEmpty(t.store, bootstrap), false);
  });

  it("installs on an empty store, and answers false (ignored) on a store that has users", async () => {
    assert.equal(await bootstrapIfEmpty(t.store, bootstrap), true);
    assert.equal(await bootstrapIfEmpty(t.store, { ...bootstrap, token: "bootstrap-install-another-token-0123" }), false);
  });

  it("fails with the store's error when the install fails for another reason", async () => {
    await sql`CREATE TRIGGER refuse_tokens BEFORE INSERT ON tokens BEGIN SELECT RAISE(ABORT, 'tokens are read-only here'); END`.execute(t.store.db);
    await assert.rejects(bootstrapIfEmpty(t.store, bootstrap), /tokens are read-only here/);
    assert.equal(await anyUserExists(t.store.db), false);
  });
});
