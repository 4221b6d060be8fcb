import BetterSqlite3 from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CompiledQuery, DatabaseConnection, Driver, Kysely, PostgresDialect, SqliteDialect, SqliteDialectConfig, SqliteDriver, Transaction } from "kysely";
import { Pool } from "pg";
import type { Database } from "./tables";

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
export type Executor = Db | Trx;
export type DialectName = "sqlite" | "postgres";

/**
 * SQLite's plain BEGIN takes the write lock only at the first write, so two processes that both
 * read first (the server and `npm run token`) can deadlock on the upgrade. BEGIN IMMEDIATE takes
 * it up front: every write transaction is serialized, which is what check-then-write rules need.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export interface Store {
  readonly db: Db;
  readonly dialect: DialectName;
  close(): Promise<void>;
}

function openSqlite(path: string): BetterSqlite3.Database {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  // FULL: an acknowledged commit survives power loss, not only a process crash.
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("busy_timeout = 10000");
  return sqlite;
}

/**
 * Kysely's SQLite driver prepares every query anew; better-sqlite3 statements can be reused, and
 * preparing is most of what a small read costs. Queries are few and fixed (the builder emits the
 * same text with `?` placeholders), so a bounded cache keeps them all. One connection runs one
 * query at a time, so a statement is never in use twice.
 */
function statementCache(sqlite: BetterSqlite3.Database): (sql: string) => BetterSqlite3.Statement {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      if (statements.size < 1000) statements.set(sql, statement);
    }
    return statement;
  };
}

/** The SQLite stores' direct read path (readNow), by the Kysely instance that stands for them. */
const directReads = new WeakMap<object, { sqlite: BetterSqlite3.Database; prepare: (sql: string) => BetterSqlite3.Statement }>();

/**
 * A compiled SELECT answered at once, on SQLite, without Kysely's connection queue: undefined
 * (the caller goes through Kysely) for PostgreSQL, inside a transaction object, and whenever the
 * one SQLite connection has a transaction open, since a read then would see another request's
 * uncommitted writes; Kysely's queue makes it wait for the commit instead. Outside a transaction
 * every statement is its own (autocommit) read, and better-sqlite3 runs it to the end
 * synchronously, so nothing can interleave with it. The queue's promises and the executor cost
 * a small read about as much as SQLite's answer does.
 */
export function readNow(db: Executor, sql: string, parameters: readonly unknown[]): unknown[] | undefined {
  const direct = directReads.get(db);
  if (!direct || direct.sqlite.inTransaction) return undefined;
  const statement = direct.prepare(sql);
  return statement.reader ? statement.all(parameters as unknown[]) : undefined;
}

/** Opens the store named by a `sqlite:PATH` or `postgres://…` URL. */
export function openStore(url: string): Store {
  if (url.startsWith("sqlite:")) {
    const sqlite = openSqlite(url.slice("sqlite:".length));
    const prepare = statementCache(sqlite);
    const database = { close: () => sqlite.close(), prepare } as SqliteDialectConfig["database"];
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) });
    directReads.set(db, { sqlite, prepare });
    return { db, dialect: "sqlite", close: () => db.destroy() };
  }
  const pool = new Pool({ connectionString: url, max: 10 });
  // An idle client's error (the server restarted) would otherwise crash the process; the next
  // query on a fresh client reports any lasting failure as a request error.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: "postgres", close: () => db.destroy() };
}
