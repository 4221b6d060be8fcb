import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Client } from "pg";
import { openStore, Store } from "../../backend/store/db";
import { migrateToLatest } from "../../backend/store/migrate";
import { ensurePerson } from "../../backend/store/users.repository";
import { email as emailSchema } from "../../schema/common";
import { Backend, ROOT, startBackend, StartOptions } from "../support/backend";

/** A migrated SQLite store in a temporary folder, for tests that build the app in process. */
export async function tempStore(tag: string): Promise<{ store: Store; dir: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `tenancy-${tag}-`));
  const store = openStore(`sqlite:${join(dir, "t.db")}`);
  await migrateToLatest(store.db);
  return {
    store,
    dir,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A response as the tests look at it: status, lower-cased headers, parsed JSON (or text). */
export interface Res {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

export async function call(url: string, method: string, path: string, token: string | undefined, options: RequestOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (metrics): keep the text
  }
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body, text };
}

/** A client bound to one backend and one token. */
export function client(backend: Backend, token: string | undefined) {
  return {
    token,
    get: (path: string, o?: RequestOptions) => call(backend.url, "GET", path, token, o),
    post: (path: string, body?: unknown, o?: RequestOptions) => call(backend.url, "POST", path, token, { body, ...o }),
    patch: (path: string, body?: unknown, o?: RequestOptions) => call(backend.url, "PATCH", path, token, { body, ...o }),
    delete: (path: string, o?: RequestOptions) => call(backend.url, "DELETE", path, token, o),
  };
}
export type Api = ReturnType<typeof client>;

/**
 * One backend for the enclosing `describe`: started in `before`, disposed of in `after`. The
 * `backend` and `root` (the bootstrap user's client) it returns stand for that backend from the
 * start, so a suite can name them where it declares its tests; every property is read from the
 * running backend when used, which is in a hook or a test (earlier, it throws).
 */
export function useBackend(options: StartOptions = {}): { backend: Backend; root: Api } {
  let started: Backend | undefined;
  let root: Api | undefined;
  before(async () => {
    started = await startBackend(options);
    root = client(started, started.token);
  });
  after(() => started?.dispose());
  const running = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useBackend: the backend starts in before(); use it in a hook or a test");
    return value;
  };
  return { backend: late(() => running(started)), root: late(() => running(root)) };
}

/** Stands for an object that exists only later: every property is read from it when used. */
function late<T extends object>(value: () => T): T {
  return new Proxy({} as T, { get: (_, key) => Reflect.get(value(), key) });
}

const exec = promisify(execFile);

/** `npm run -s token -- EMAIL` against the backend's store, as an operator would on the host. */
export async function mintToken(backend: Backend, email: string, expiresInDays?: number): Promise<string> {
  const args = [join(ROOT, "dist", "scripts", "token.js"), email, ...(expiresInDays ? ["--expires-in-days", String(expiresInDays)] : [])];
  const { stdout } = await exec(process.execPath, args, { cwd: ROOT, env: { ...process.env, TENANCY_DATABASE_URL: backend.databaseUrl } });
  return stdout.trim();
}

const hostStores = new Map<string, Store>();

/**
 * Gives `email` an account the way an operator does on the server host: `npm run token` (mintToken)
 * makes the user with ensurePerson before it mints the token, and so does this, on the backend's
 * store from this process (spawning the script costs about a second per person on this machine).
 * Adding a person with an account to an organization makes them a member at once (201); anyone
 * else is invited (202). Answers the email as the store keeps it.
 */
export async function account(backend: Backend, email: string): Promise<string> {
  let store = hostStores.get(backend.databaseUrl);
  if (!store) hostStores.set(backend.databaseUrl, (store = openStore(backend.databaseUrl)));
  const user = await store.db.transaction().execute((trx) => ensurePerson(trx, emailSchema.parse(email), new Date().toISOString()));
  return user.email;
}

/** A user with a token and a client, minted on the host. */
export async function person(backend: Backend, email: string): Promise<Api & { email: string }> {
  return { ...client(backend, await mintToken(backend, email)), email };
}

/** Runs SQL directly on the backend's store (for backdating, scans and integrity checks). */
export async function sqlQuery(backend: Backend, text: string, params: unknown[] = []): Promise<any[]> {
  if (backend.databaseUrl.startsWith("sqlite:")) {
    const db = new BetterSqlite3(backend.databaseUrl.slice("sqlite:".length));
    try {
      db.pragma("busy_timeout = 10000");
      const stmt = db.prepare(text.replace(/\$\d+/g, "?"));
      return stmt.reader ? stmt.all(...params) : (stmt.run(...params), []);
    } finally {
      db.close();
    }
  }
  const pg = new Client({ connectionString: backend.databaseUrl });
  await pg.connect();
  try {
    return (await pg.query(text, params)).rows;
  } finally {
    await pg.end();
  }
}

/** The backend's default TENANCY_AUTH_CACHE_MS: how long an instance may remember a token, a key or a role. */
export const AUTH_CACHE_MS = 500;

/**
 * Changes the store underneath a running backend (backdating a token, expiring a key), as another
 * instance would, then waits out the backend's memory of tokens, keys and roles: such a change is
 * promised to count within TENANCY_AUTH_CACHE_MS, not at once.
 */
export async function editStore(backend: Backend, text: string, params: unknown[] = []): Promise<void> {
  await sqlQuery(backend, text, params);
  await new Promise((r) => setTimeout(r, AUTH_CACHE_MS + 50));
}

/** The parts of a problem body that do not depend on the request: for byte-for-byte comparisons. */
export function problemShape(body: any): any {
  const { requestId, ...rest } = body;
  return { ...rest, requestId: typeof requestId };
}

export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Asserts a 2xx/4xx and returns the body; a mismatch shows the whole response. */
export function expectStatus(res: Res, status: number): any {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  return res.body;
}
