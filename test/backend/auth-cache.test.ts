import assert from "node:assert/strict";
import { sql } from "kysely";
import { AuthCache } from "../../backend/auth/auth-cache";
import type { Store } from "../../backend/store/db";
import { prepared } from "../../backend/store/prepared";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { client, expectStatus, person, tempStore } from "./helpers";

/**
 * The per-instance memory of tokens, keys and roles (backend/auth/auth-cache.ts) and the queries
 * compiled once (backend/store/prepared.ts): what they may never do is let a change be missed,
 * on the instance that made it at all, on another one for longer than TENANCY_AUTH_CACHE_MS.
 */
describe("auth cache", () => {
  it("remembers an answer for its TTL, and never an absence", async () => {
    const cache = new AuthCache(500);
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get("a", 1000, load), 1);
    assert.equal(await cache.get("a", 1499, load), 1, "still remembered before the TTL");
    assert.equal(await cache.get("a", 1500, load), 2, "asked again once the TTL is over");
    let absent = 0;
    const none = async () => void absent++;
    await cache.get("missing", 1000, none);
    await cache.get("missing", 1001, none);
    assert.equal(absent, 2, "an absence is looked up every time");
  });

  it("forgets everything on invalidate, and never keeps an answer whose lookup straddled it", async () => {
    const cache = new AuthCache(1000);
    assert.equal(await cache.get("a", 0, async () => "old"), "old");
    cache.invalidate();
    assert.equal(await cache.get("a", 1, async () => "new"), "new");
    let release!: () => void;
    const slow = cache.get("b", 2, () => new Promise<string>((ok) => (release = () => ok("read before the write"))));
    cache.invalidate(); // a write commits while the lookup is under way
    release();
    assert.equal(await slow, "read before the write", "the lookup's caller still gets its answer");
    assert.equal(await cache.get("b", 3, async () => "read after the write"), "read after the write", "but it was not remembered");
  });

  it("asks every time when its TTL is 0, and stays within its size", async () => {
    const off = new AuthCache(0);
    let n = 0;
    await off.get("a", 0, async () => ++n);
    await off.get("a", 0, async () => ++n);
    assert.equal(n, 2);
    const small = new AuthCache(1000, 2);
    for (const k of ["a", "b", "c"]) await small.get(k, 0, async () => k);
    let reloaded = false;
    await small.get("a", 1, async () => ((reloaded = true), "a"));
    assert.ok(reloaded, "the oldest entry made room for the newest");
    // …and only the oldest: the two newest stay remembered (the size is a bound, not a cache of one).
    const fresh = new AuthCache(1000, 2);
    for (const k of ["a", "b", "c"]) await fresh.get(k, 0, async () => k);
    const asked: string[] = [];
    for (const k of ["b", "c"]) await fresh.get(k, 1, async () => (asked.push(k), k));
    assert.deepEqual(asked, [], "b and c were remembered");
  });
});

describe("prepared queries", () => {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => {
    ({ store, dispose } = await tempStore("prepared"));
    await store.db.insertInto("users").values([
      { id: "user_a", email: "a@p.test", kind: "person", name: null, organization_id: null, created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" },
      { id: "user_b", email: "b@p.test", kind: "person", name: null, organization_id: null, created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" },
    ]).execute();
  });
  after(() => dispose());

  it("builds once per dialect and binds each call's own arguments, in a transaction too", async () => {
    let builds = 0;
    const byEmail = prepared((db, email: string) => {
      builds++;
      return db.selectFrom("users").select("id").where("email", "=", email).where("kind", "=", "person");
    });
    assert.deepEqual(await byEmail(store.db, "a@p.test"), [{ id: "user_a" }]);
    assert.deepEqual(await byEmail(store.db, "b@p.test"), [{ id: "user_b" }]);
    assert.deepEqual(await store.db.transaction().execute((trx) => byEmail(trx, "a@p.test")), [{ id: "user_a" }]);
    assert.deepEqual(await byEmail(store.db, "nobody@p.test"), []);
    assert.equal(builds, 1);
  });

  it("on SQLite, never reads another request's uncommitted write: a read during an open transaction waits for its commit", async () => {
    const emailOf = prepared((db, id: string) => db.selectFrom("users").select("email").where("id", "=", id));
    let commit!: () => void;
    const gate = new Promise<void>((r) => (commit = r));
    let written!: () => void;
    const wrote = new Promise<void>((r) => (written = r));
    const writer = store.db.transaction().execute(async (trx) => {
      await trx.updateTable("users").set({ email: "a2@p.test" }).where("id", "=", "user_a").execute();
      written();
      await gate;
    });
    await wrote;
    // Outside the transaction, with it open: the read must not answer with its uncommitted row.
    let answered: unknown;
    const reader = emailOf(store.db, "user_a").then((rows) => (answered = rows));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(answered, undefined, "the read answered while the write was uncommitted");
    commit();
    await writer;
    await reader;
    assert.deepEqual(answered, [{ email: "a2@p.test" }]);
    // With no transaction open it answers at once, from the committed row.
    assert.deepEqual(await emailOf(store.db, "user_a"), [{ email: "a2@p.test" }]);
    await store.db.updateTable("users").set({ email: "a@p.test" }).where("id", "=", "user_a").execute();
  });

  it("refuses a query that writes an argument into its SQL text instead of binding it", async () => {
    const inlined = prepared((db, email: string) => db.selectFrom("users").select("id").where("email", "=", sql.lit(email)));
    await assert.rejects(inlined(store.db, "a@p.test"), /argument 0 is not a bound parameter/);
  });
});

for (const dialect of DIALECTS) {
  describe(`auth cache across two instances on one store (${dialect.name})`, () => {
    let one: Backend;
    let two: Backend;
    before(async () => {
      // A long TTL on the second instance: the test shows the first one's writes reach it by the
      // clock (≤ TTL), and that the instance that wrote never waits for it.
      one = await startBackend({ dialect, env: { TENANCY_AUTH_CACHE_MS: "1000" } });
      two = await startBackend({ dialect, env: { TENANCY_DATABASE_URL: one.databaseUrl, TENANCY_AUTH_CACHE_MS: "1000" } });
    });
    after(async () => {
      await two?.dispose();
      await one?.dispose();
    });

    const refusedWithin = async (check: () => Promise<boolean>, ms: number, what: string) => {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, `${what} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    it("refuses a revoked token at once on the instance that revoked it, and within the TTL on the other", async () => {
      const ana = await person(one, "ana@cache.test");
      const onTwo = client(two, ana.token);
      const me = expectStatus(await onTwo.get("/v1/me"), 200);
      expectStatus(await ana.get("/v1/me"), 200); // both instances now remember the token
      expectStatus(await ana.delete(`/v1/tokens/${me.token.id}`), 204);
      assert.equal(expectStatus(await ana.get("/v1/me"), 401).code, "unauthenticated", "the revoking instance refuses the very next request");
      await refusedWithin(async () => (await onTwo.get("/v1/me")).status === 401, 1500, "the other instance refuses the revoked token");
    });

    it("hides an organization from a removed member at once on the removing instance, and within the TTL on the other", async () => {
      const root = client(one, one.token);
      const org = expectStatus(await root.post("/v1/organizations", { name: "Cache" }), 201);
      const bo = await person(one, "bo@cache.test");
      const member = expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: bo.email, role: "member" }), 201);
      const boOnTwo = client(two, bo.token);
      expectStatus(await bo.get(`/v1/organizations/${org.id}`), 200);
      expectStatus(await boOnTwo.get(`/v1/organizations/${org.id}`), 200);
      expectStatus(await root.delete(`/v1/organizations/${org.id}/members/${member.userId}`), 204);
      expectStatus(await bo.get(`/v1/organizations/${org.id}`), 404);
      await refusedWithin(async () => (await boOnTwo.get(`/v1/organizations/${org.id}`)).status === 404, 1500, "the other instance hides the organization");
    });

    it("answers a read with the organization as it is now, even while the caller's standing is remembered", async () => {
      const root = client(one, one.token);
      const rootOnTwo = client(two, one.token);
      const org = expectStatus(await root.post("/v1/organizations", { name: "Fresh" }), 201);
      expectStatus(await rootOnTwo.get(`/v1/organizations/${org.id}`), 200);
      expectStatus(await root.patch(`/v1/organizations/${org.id}`, { name: "Fresh renamed" }), 200);
      assert.equal(expectStatus(await rootOnTwo.get(`/v1/organizations/${org.id}`), 200).name, "Fresh renamed");
    });
  });
}
