import { buildApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { logDestination } from "./http/request-log";
import { bootstrapIfEmpty } from "./services/bootstrap.service";
import { openStore } from "./store/db";
import { pruneIdempotencyRecords } from "./store/idempotency.repository";
import { migrateToLatest } from "./store/migrate";
import { startUsage } from "./usage/usage.runtime";

const KEEP_IDEMPOTENCY_MS = 48 * 3600_000;

/** The only process entry: config, store, migrations, bootstrap, listen; SIGTERM closes cleanly. */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  await migrateToLatest(store.db);
  const bootstrapIgnored = config.bootstrap !== undefined && !(await bootstrapIfEmpty(store, config.bootstrap));
  const prune = () => pruneIdempotencyRecords(store.db, new Date(Date.now() - KEEP_IDEMPOTENCY_MS).toISOString());
  await prune();
  // Log lines are written asynchronously in blocks (each line whole, none dropped; flushed at
  // shutdown): see `logDestination` for why.
  const logStream = logDestination();
  const app = buildApp({ config, store, logStream });
  if (bootstrapIgnored) app.log.warn("TENANCY_BOOTSTRAP_TOKEN ignored: the store already has users, and the bootstrap applies to an empty store only (a token it installed before still works; npm run token mints another)");
  const usage = await startUsage(store, process.env, (msg, err) => app.log.warn({ err }, msg));
  // Idempotency records are promised for 24 h; an hourly sweep keeps the table small.
  setInterval(() => prune().catch((err: unknown) => app.log.warn({ err }, "idempotency sweep failed")), 3600_000).unref();
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  app.log.info({ url: `http://${host.includes(":") ? `[${host}]` : host}:${port}` }, "listening");

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    await app.close();
    await usage.close();
    await store.close();
    await logStream.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `tenancy backend failed to start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
