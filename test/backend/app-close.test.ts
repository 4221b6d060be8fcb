import assert from "node:assert/strict";
import { buildApp } from "../../backend/app";
import { loadConfig } from "../../backend/config";
import { openStore } from "../../backend/store/db";
import { migrateToLatest } from "../../backend/store/migrate";
import { startUsage } from "../../backend/usage/usage.runtime";
import { DIALECTS } from "../support/backend";

/** `app.close()` ends everything `buildApp` was given: nothing is left for the caller to remember. */
for (const dialect of DIALECTS) {
  describe(`app.close() on ${dialect.name}`, () => {
    it("closes the data plane's runtime and then the store, which refuses queries afterwards", async () => {
      const { url, drop } = await dialect.create();
      try {
        const store = openStore(url);
        await migrateToLatest(store.db);
        const config = loadConfig({ TENANCY_LOG_LEVEL: "silent", TENANCY_DATABASE_URL: url });
        const usage = await startUsage(store, config.usage);
        let usageClosed = false;
        const close = usage.close.bind(usage);
        usage.close = async () => {
          // The store is still open while the runtime closes: it may write its last settlements.
          await store.db.selectFrom("users").select("id").execute();
          await close();
          usageClosed = true;
        };
        const app = buildApp({ config, store, usage });
        assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);

        await app.close();

        assert.equal(usageClosed, true);
        await assert.rejects(store.db.selectFrom("users").select("id").execute(), /destroyed/);
      } finally {
        await drop();
      }
    });
  });
}
