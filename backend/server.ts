import type { FastifyInstance } from "fastify";
import { buildApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { logDestination } from "./http/request-log";
import { bootstrapIfEmpty } from "./services/bootstrap.service";
import { openStore } from "./store/db";
import { pruneIdempotencyRecords } from "./store/idempotency.repository";
import { migrateToLatest } from "./store/migrate";
import { assertSecretsReadable } from "./sign-in/organization-providers";
import { secretBoxOf } from "./sign-in/secret-box";
import { startUsage } from "./usage/usage.runtime";

const KEEP_IDEMPOTENCY_MS = 48 * 3600_000;

/**
 * Ends the process now. A log write to a socket nobody reads blocks a libuv worker thread for
 * ever, and `process.exit` would wait for that thread at exit: only a signal ends it then.
 */
function exitNow(why: string): never {
  process.stderr.write(`tenancy backend: ${why}; exiting anyway\n`);
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL was sent");
}

/**
 * Runs each close in turn, never stopping at one that fails; resolves when all have settled.
 * `pending` names what has not finished yet, for the deadline's last word.
 */
async function closeAll(steps: Array<[string, () => Promise<unknown>]>, pending: Set<string>, failed: (what: string, err: unknown) => void): Promise<void> {
  for (const [what] of steps) pending.add(what);
  for (const [what, close] of steps) {
    try {
      await close();
    } catch (err) {
      failed(what, err);
    }
    pending.delete(what);
  }
}

/** The only process entry: config, store, migrations, bootstrap, listen; SIGTERM closes, within a deadline. */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  await migrateToLatest(store.db);
  await assertSecretsReadable(store.db, secretBoxOf(config));
  const bootstrapIgnored = config.bootstrap !== undefined && !(await bootstrapIfEmpty(store, config.bootstrap));
  const prune = () => pruneIdempotencyRecords(store.db, new Date(Date.now() - KEEP_IDEMPOTENCY_MS).toISOString());
  await prune();
  // Log lines are written asynchronously in blocks (each line whole, none dropped; flushed at
  // shutdown): see `logDestination` for why.
  const logStream = logDestination();
  // The runtime logs through the app built right after it (its timers first fire seconds later).
  let app: FastifyInstance | undefined;
  const usage = await startUsage(store, config.usage, (msg, err) => app?.log.warn({ err }, msg));
  app = buildApp({ config, store, usage, logStream });
  const log = app.log;
  if (bootstrapIgnored) log.warn("TENANCY_BOOTSTRAP_TOKEN ignored: the store already has users, and the bootstrap applies to an empty store only (a token it installed before still works; npm run token mints another)");
  // Idempotency records are promised for 24 h; an hourly sweep keeps the table small.
  const sweep = setInterval(() => prune().catch((err: unknown) => log.warn({ err }, "idempotency sweep failed")), 3600_000).unref();
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  log.info({ url: `http://${host.includes(":") ? `[${host}]` : host}:${port}` }, "listening");

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, "shutting down");
    clearInterval(sweep);
    const pending = new Set<string>();
    // Past the deadline the process exits anyway (a close waiting on a peer that is gone, such as a
    // log reader that exited), saying on stderr what it could not finish.
    const deadline = setTimeout(() => exitNow(`shutdown did not finish within ${config.shutdownDeadlineMs} ms (still closing: ${[...pending].join(", ")})`), config.shutdownDeadlineMs);
    let clean = true;
    let logWritten = false;
    const failed = (what: string, err: unknown) => {
      clean = false;
      process.stderr.write(`tenancy backend: closing ${what} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    };
    await closeAll(
      [
        // The server (open requests finish), then the data plane's runtime and the store (the app's onClose).
        ["the HTTP server, the data plane and the store", () => app!.close()],
        ["the log", async () => (logWritten = await logStream.close())],
      ],
      pending,
      failed,
    );
    clearTimeout(deadline);
    if (!logWritten) exitNow("the log could not be written to the end (its reader is gone or stopped reading)");
    process.exit(clean ? 0 : 1);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `tenancy backend failed to start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
