import assert from "node:assert/strict";
import BetterSqlite3 from "better-sqlite3";
import { sql } from "kysely";
import { Client } from "pg";
import { toTenancyError } from "../../backend/http/errors";
import { openStore, Store } from "../../backend/store/db";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "./helpers";

/**
 * What a request meets when the database itself refuses (backend/http/errors.ts): a unique
 * constraint firing means a concurrent request won the race past the services' own check, and
 * must read as that check does (409 with the same code); a busy store, a
 * serialization failure or a deadlock is a 503 the client may retry after a second. The services'
 * locks keep these out of reach of an HTTP test, so the errors here are real ones, made by
 * writing to the backend's own store beside it, and handed to the error mapping the handler uses.
 */
for (const dialect of DIALECTS) {
  describe(`database errors a request can meet (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend, root } = useBackend({ dialect });
    let store: Store;
    before(() => {
      store = openStore(backend.databaseUrl);
    });
    after(() => store?.close());

    /** The error the store throws for `row` of `table` inserted again, with `changes` applied (a copy made by the database, whatever the columns' types). */
    async function insertCopy(table: "projects" | "org_members", where: Record<string, string>, changes: Record<string, string | null>): Promise<unknown> {
      const [row] = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where ${sql.join(Object.entries(where).map(([c, v]) => sql`${sql.ref(c)} = ${v}`), sql` and `)}`.execute(store.db).then((r) => r.rows);
      assert.ok(row, `no ${table} row to copy`);
      const columns = Object.keys(row);
      const values = columns.map((c) => (c in changes ? sql`${changes[c]}` : sql.ref(c)));
      const copy = sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) select ${sql.join(values)} from ${sql.table(table)} where ${sql.join(Object.entries(where).map(([c, v]) => sql`${sql.ref(c)} = ${v}`), sql` and `)}`;
      return copy.execute(store.db).then(
        () => assert.fail(`copying a ${table} row was not refused`),
        (error: unknown) => error,
      );
    }

    it("reads a project name taken by a concurrent create as the 409 name_taken the service's own check answers", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Race Co" }), 201);
      const project = expectStatus(await root.post(`/v1/organizations/${org.id}/projects`, { name: "chat", environment: "development" }), 201);
      const checked = await root.post(`/v1/organizations/${org.id}/projects`, { name: "chat", environment: "development" });
      assert.equal(checked.status, 409);

      const raced = toTenancyError(await insertCopy("projects", { id: project.id }, { id: `${project.id}x`, external_id: null }));
      assert.ok(raced, "a unique violation of projects_active_name must not be an unexpected 500");
      assert.deepEqual({ code: raced.code, status: raced.status }, { code: checked.body.code, status: 409 });
      assert.match(raced.message, /an active project with this name already exists/);
    });

    it("reads a membership added twice at once (the primary key of org_members) as the 409 member_exists", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Twice Co" }), 201);
      const member = expectStatus(await root.get(`/v1/organizations/${org.id}/members`), 200).data[0];
      const raced = toTenancyError(await insertCopy("org_members", { organization_id: org.id, user_id: member.userId }, {}));
      assert.deepEqual(raced && { code: raced.code, status: raced.status }, { code: "member_exists", status: 409 });
    });

    if (dialect.name === "sqlite") {
      it("reads a store locked by another writer (SQLITE_BUSY) as 503 unavailable with Retry-After 1", () => {
        const file = backend.databaseUrl.slice("sqlite:".length);
        const holder = new BetterSqlite3(file);
        const other = new BetterSqlite3(file, { timeout: 0 });
        try {
          holder.exec("BEGIN IMMEDIATE");
          let busy: unknown;
          try {
            other.exec("BEGIN IMMEDIATE");
          } catch (error) {
            busy = error;
          }
          assert.equal((busy as { code?: string })?.code, "SQLITE_BUSY");
          const known = toTenancyError(busy);
          assert.deepEqual(known && { code: known.code, status: known.status, retry: known.extras.retryAfterSeconds }, { code: "unavailable", status: 503, retry: 1 });
          assert.match(known?.message ?? "", /the store is busy; retry shortly/);
        } finally {
          if (holder.inTransaction) holder.exec("ROLLBACK");
          holder.close();
          other.close();
        }
      });
    } else {
      /** Two sessions of their own on the backend's database. */
      async function sessions(): Promise<[Client, Client]> {
        const both = [new Client({ connectionString: backend.databaseUrl }), new Client({ connectionString: backend.databaseUrl })] as [Client, Client];
        await Promise.all(both.map((c) => c.connect()));
        return both;
      }
      const retryable = (error: unknown) => {
        const known = toTenancyError(error);
        return known && { code: known.code, status: known.status, retry: known.extras.retryAfterSeconds };
      };

      it("reads a serialization failure (40001) as 503 unavailable with Retry-After 1", async () => {
        const [a, b] = await sessions();
        try {
          await a.query("create table skew (v integer)");
          // Write skew: each reads what the other writes; the second to commit is refused.
          for (const c of [a, b]) await c.query("begin isolation level serializable; select count(*) from skew");
          await a.query("insert into skew values (1)");
          await b.query("insert into skew values (2)");
          await a.query("commit");
          const refused = await b.query("commit").then(() => undefined, (error: unknown) => error);
          assert.equal((refused as { code?: string })?.code, "40001");
          assert.deepEqual(retryable(refused), { code: "unavailable", status: 503, retry: 1 });
        } finally {
          await Promise.all([a.end(), b.end()]);
        }
      });

      it("reads a deadlock (40P01) as 503 unavailable with Retry-After 1", async () => {
        const [a, b] = await sessions();
        try {
          await a.query("create table locks (id integer primary key); insert into locks values (1), (2)");
          await a.query("begin; update locks set id = id where id = 1");
          await b.query("begin; update locks set id = id where id = 2");
          // Each now waits on the other's row: PostgreSQL refuses one of them.
          const outcomes = await Promise.allSettled([a.query("update locks set id = id where id = 2"), b.query("update locks set id = id where id = 1")]);
          const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult | undefined;
          assert.equal(refused?.reason?.code, "40P01");
          assert.deepEqual(retryable(refused?.reason), { code: "unavailable", status: 503, retry: 1 });
        } finally {
          await Promise.all([a.query("rollback").catch(() => undefined), b.query("rollback").catch(() => undefined)]);
          await Promise.all([a.end(), b.end()]);
        }
      });
    }
  });
}
