import type { FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { buildApp } from "../../backend/app";
import { loadConfig } from "../../backend/config";
import { bootstrapIfEmpty } from "../../backend/services/bootstrap.service";
import { openStore, Store } from "../../backend/store/db";
import { migrateToLatest } from "../../backend/store/migrate";
import { startUsage } from "../../backend/usage/usage.runtime";
import * as support from "./backend";

/**
 * `npm run mutation` only (a mocha `require` of stryker.config.mjs): every `startBackend` of the
 * suites runs the backend in the test process instead of `dist/backend/server.js` in a child.
 * Stryker can only see which test reaches which mutant, and switch mutants on, in its own
 * process; in a child every mutant would have to run every test (hours per folder). The steps
 * are server.ts's main() (config from the same environment the child gets, store, migrations,
 * bootstrap, data plane, app, listen); suites that need a real process (kill -9, signals, the
 * process's own output) are not in the mutation run.
 */
async function startInProcess(options: support.StartOptions = {}): Promise<support.Backend> {
  const store = await (options.dialect ?? support.DIALECTS[0]).create();
  const token = `bootstrap-${randomBytes(24).toString("hex")}`;
  const email = "root@tenancy.test";
  const config = loadConfig(support.serverEnv(store.url, email, token, options.env));
  let logs = "";
  let running: { app: FastifyInstance; store: Store } | undefined;
  let url = "";

  const launch = async () => {
    const opened = openStore(config.databaseUrl);
    await migrateToLatest(opened.db);
    await bootstrapIfEmpty(opened, config.bootstrap);
    let app: FastifyInstance | undefined;
    const usage = await startUsage(opened, config.usage, (msg, err) => app?.log.warn({ err }, msg));
    app = buildApp({ config, store: opened, usage, logStream: { write: (line: string) => void (logs += line) } });
    // The configured port, as server.ts listens: 0 unless a suite fixes it (a sign-in's redirect URI names it).
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    app.log.info({ url }, "listening");
    running = { app, store: opened };
  };
  const halt = async () => {
    const was = running;
    running = undefined;
    if (!was) return;
    await was.app.close();
    await was.store.close();
  };

  await launch();
  return {
    get url() {
      return url;
    },
    databaseUrl: store.url,
    token,
    email,
    logs: () => logs,
    pid: () => process.pid,
    stop: halt,
    kill: halt,
    restart: launch,
    async dispose() {
      await halt();
      await store.drop();
    },
  };
}

// The suites call `startBackend` through the module object (CommonJS), so replacing the export reaches them all.
(support as { startBackend: typeof support.startBackend }).startBackend = startInProcess;
