import { strict as assert } from "node:assert";
import { Client } from "pg";

/**
 * The backend suites loop over DIALECTS, which holds PostgreSQL only when TEST_DATABASE_URL names
 * a server. Without it those suites would silently run on SQLite alone, so this says so: a pending
 * test with the reason locally, a real connection check where PostgreSQL is configured.
 */
describe("PostgreSQL lane", () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    it("was NOT tested: TEST_DATABASE_URL is not set (.ci/run installs PostgreSQL and sets it)");
    return;
  }
  it("is tested: every backend suite also runs on the server TEST_DATABASE_URL names", async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
      assert.ok(Number(rows[0].v) >= 120000, `PostgreSQL ${rows[0].v} is older than 12`);
    } finally {
      await client.end();
    }
  });
});
