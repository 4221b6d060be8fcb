import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "pg";

/**
 * Starts the real backend (the compiled `dist/backend/server.js`, as `npm run serve` does) as a
 * child process on 127.0.0.1 with a random port and a store of its own, so every suite talks
 * HTTP to a real server backed by a real SQLite file or a real PostgreSQL database.
 */

export const ROOT = resolve(__dirname, "..", "..");
export const SERVER = join(ROOT, "dist", "backend", "server.js");

export interface Dialect {
  name: "sqlite" | "postgres";
  /** A fresh, empty store for one backend; `drop` removes it. */
  create(): Promise<{ url: string; drop(): Promise<void> }>;
}

const sqlite: Dialect = {
  name: "sqlite",
  async create() {
    const dir = mkdtempSync(join(tmpdir(), "tenancy-test-"));
    return { url: `sqlite:${join(dir, "tenancy.db")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

function postgres(adminUrl: string): Dialect {
  return {
    name: "postgres",
    async create() {
      const db = `tenancy_test_${randomBytes(6).toString("hex")}`;
      const admin = new Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${db}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${db}`;
      return {
        url: url.toString(),
        drop: async () => {
          const c = new Client({ connectionString: adminUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
          await c.end();
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL too when `TEST_DATABASE_URL` names a server (CI sets it). */
export const DIALECTS: Dialect[] = process.env.TEST_DATABASE_URL ? [sqlite, postgres(process.env.TEST_DATABASE_URL)] : [sqlite];

export interface Backend {
  url: string;
  databaseUrl: string;
  /** The bootstrap user's management token (`TENANCY_BOOTSTRAP_TOKEN`). */
  token: string;
  email: string;
  /** Everything the server wrote to stdout and stderr so far. */
  logs(): string;
  /** The server process's id (for benchmarks that read its memory). */
  pid(): number | undefined;
  /** Graceful stop (SIGTERM), keeping the store. */
  stop(): Promise<void>;
  /** kill -9, keeping the store. */
  kill(): Promise<void>;
  /** Starts a new process on the same store (after stop or kill). */
  restart(): Promise<void>;
  /** Stops the process and removes the store. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  dialect?: Dialect;
  env?: Record<string, string>;
  /**
   * The server's output goes to a file (read back by `logs()`) instead of a pipe into this
   * process. Benchmarks use it: their load tool runs in this process, and reading tens of
   * megabytes of log lines on its event loop would slow the load tool, not the server. A
   * deployment's log reader is another process too.
   */
  logToFile?: boolean;
}

const LISTENING = /"msg":"listening"[^\n]*?"url":"(http:\/\/[^"]+)"|"url":"(http:\/\/[^"]+)"[^\n]*?"msg":"listening"/;

/** The environment a test backend starts with: this process's, a store of its own, the bootstrap user, then the suite's `env`. */
export function serverEnv(databaseUrl: string, email: string, token: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, TENANCY_HOST: "127.0.0.1", TENANCY_PORT: "0", TENANCY_DATABASE_URL: databaseUrl, TENANCY_BOOTSTRAP_EMAIL: email, TENANCY_BOOTSTRAP_TOKEN: token, ...env };
}

export async function startBackend(options: StartOptions = {}): Promise<Backend> {
  const store = await (options.dialect ?? sqlite).create();
  const token = `bootstrap-${randomBytes(24).toString("hex")}`;
  const email = "root@tenancy.test";
  let child: ChildProcess | undefined;
  let piped = "";
  let url = "";
  const logDir = options.logToFile ? mkdtempSync(join(tmpdir(), "tenancy-log-")) : undefined;
  const logFile = logDir && join(logDir, "server.log");
  if (logFile) writeFileSync(logFile, "");
  const output = () => (logFile ? readFileSync(logFile, "utf8") : piped);

  const launch = () =>
    new Promise<void>((resolveStart, reject) => {
      // Only this process's lines count: after a restart the output still holds the old "listening".
      const from = output().length;
      const found = () => {
        const m = !url && LISTENING.exec(output().slice(from));
        if (m) {
          url = m[1] ?? m[2];
          resolveStart();
        }
      };
      const fd = logFile ? openSync(logFile, "a") : undefined;
      child = spawn(process.execPath, [SERVER], {
        cwd: ROOT,
        env: serverEnv(store.url, email, token, options.env),
        stdio: fd === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", fd, fd],
      });
      let poll: NodeJS.Timeout | undefined;
      if (fd === undefined) {
        const onData = (chunk: Buffer) => {
          piped += chunk.toString();
          found();
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", onData);
      } else {
        closeSync(fd); // the child holds its own copy
        poll = setInterval(() => (url ? clearInterval(poll) : found()), 20);
      }
      child.once("exit", (code, signal) => {
        clearInterval(poll);
        if (!url) reject(new Error(`backend exited before listening (code ${code}, signal ${signal}):\n${output().slice(from)}`));
      });
    });

  const waitExit = (signal: NodeJS.Signals) =>
    new Promise<void>((done) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", () => done());
      child.kill(signal);
    });

  await launch();
  const backend: Backend = {
    get url() {
      return url;
    },
    databaseUrl: store.url,
    token,
    email,
    logs: output,
    pid: () => child?.pid,
    stop: () => waitExit("SIGTERM"),
    kill: () => waitExit("SIGKILL"),
    async restart() {
      url = "";
      await launch();
    },
    async dispose() {
      await waitExit("SIGTERM");
      await store.drop();
      if (logDir) rmSync(logDir, { recursive: true, force: true });
    },
  };
  return backend;
}
