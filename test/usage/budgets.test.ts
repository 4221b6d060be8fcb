import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { Budgets, MemoryBudgets, Reservation } from "../../backend/usage/budgets";
import { RedisBudgets } from "../../backend/usage/budgets.redis";
import { LimitsEngine, monthKey } from "../../backend/usage/limits";
import { formatUsd } from "../../backend/usage/money";
import { MemoryReservations, newReservationId } from "../../backend/usage/reservations";
import { TenancyError } from "../../schema/errors";
import { Window } from "../../backend/usage/windows";
import { REDIS_URL, redisPrefix } from "./support";

/**
 * The first seed of a month's budget counter against the batches settled meanwhile: `settle` runs
 * before its batch commits, so the seed's database read may miss a batch it settles. Each case
 * holds the seed at a gate it opens itself, so the interleaving is the same on every run.
 */

const MONTH = "2030-01";
const NOW = Date.UTC(2030, 0, 15);
const NO_REDIS = "TENANCY_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)";

/** Two instances' view of one budget store (the same object in process; two clients on one Redis). */
interface Store {
  one: Budgets;
  two: Budgets;
  dispose(): Promise<void>;
}

async function redisStore(): Promise<Store> {
  const prefix = redisPrefix();
  const clients = [new Redis(REDIS_URL!), new Redis(REDIS_URL!)];
  return {
    one: new RedisBudgets(clients[0], prefix),
    two: new RedisBudgets(clients[1], prefix),
    async dispose() {
      const keys = await clients[0].keys(`${prefix}*`);
      if (keys.length > 0) await clients[0].del(...keys);
      for (const c of clients) c.disconnect();
    },
  };
}

/** A seed that reports when it starts and returns `spent` only once `open` is called. */
function gatedSeed(spent: number) {
  let open!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const reading = new Promise<void>((r) => (started = r));
  let calls = 0;
  const seed = async () => {
    calls++;
    started();
    await gate;
    return spent;
  };
  return { seed, open, reading, calls: () => calls };
}

function reservation(projectId: string, costMicros: number, budgetMicros: number, seed: () => Promise<number>): Reservation {
  return { projectId, month: MONTH, costMicros, budgetMicros, holdId: newReservationId(), expiresAtMs: NOW + 60_000, seed };
}

const noSeed = () => Promise.reject(new Error("the month is seeded already"));

/** What the counter holds, as `used` (spent + holds): a budget of `used + x` admits x and refuses x + 1. */
async function expectUsed(b: Budgets, projectId: string, used: number): Promise<void> {
  const x = 500;
  const refused = await b.reserve(reservation(projectId, x + 1, used + x, noSeed), NOW);
  assert.deepEqual(refused.ok ? refused : { ok: false, usedMicros: refused.usedMicros }, { ok: false, usedMicros: used });
  assert.deepEqual(await b.reserve(reservation(projectId, x, used + x, noSeed), NOW), { ok: true, remainingMicros: 0 });
}

const BACKENDS: { name: string; missing?: string; open: () => Promise<Store> }[] = [
  {
    name: "MemoryBudgets",
    open: async () => {
      const b = new MemoryBudgets();
      return { one: b, two: b, dispose: () => b.close() };
    },
  },
  { name: "RedisBudgets", missing: REDIS_URL ? undefined : NO_REDIS, open: redisStore },
];

for (const backend of BACKENDS) {
  describe(`budget seeding against concurrent settles (${backend.name})`, () => {
    let store: Store;
    let projectId: string;
    before(function () {
      if (backend.missing) {
        console.log(`      pending: ${backend.missing}`);
        this.skip();
      }
    });
    beforeEach(async () => {
      store = await backend.open();
      projectId = `p-${randomBytes(4).toString("hex")}`;
    });
    afterEach(() => store?.dispose());

    it("counts a batch settled while the first seed reads the database (the read missed its uncommitted cost)", async () => {
      const S = 7000;
      const C = 3000;
      const seed = gatedSeed(S);
      const first = store.one.reserve(reservation(projectId, 0, 1_000_000, seed.seed), NOW);
      await seed.reading;
      // The batch settles before it commits, so the seed's read (S) does not include C.
      await store.two.settle(projectId, MONTH, C, [], true);
      seed.open();
      assert.equal((await first).ok, true);
      await expectUsed(store.one, projectId, S + C);
      await expectUsed(store.two, projectId, S + C + 500);
    });

    it("adds a batch settled after the seed exactly once", async () => {
      const S = 7000;
      const C = 3000;
      const seed = gatedSeed(S);
      seed.open();
      assert.equal((await store.one.reserve(reservation(projectId, 0, 1_000_000, seed.seed), NOW)).ok, true);
      await store.two.settle(projectId, MONTH, C, [], true);
      await expectUsed(store.one, projectId, S + C);
      assert.equal(seed.calls(), 1);
    });

    it("seeds once when two reserves race, taking a pending settle once", async () => {
      const S = 7000;
      const C = 3000;
      const seeds = [gatedSeed(S), gatedSeed(S)];
      const reserves = [store.one.reserve(reservation(projectId, 100, 1_000_000, seeds[0].seed), NOW)];
      await seeds[0].reading;
      reserves.push(store.two.reserve(reservation(projectId, 200, 1_000_000, seeds[1].seed), NOW));
      await store.two.settle(projectId, MONTH, C, [], true);
      for (const s of seeds) s.open();
      for (const r of await Promise.all(reserves)) assert.equal(r.ok, true);
      // One seed's S, the pending C once, and the two holds.
      await expectUsed(store.one, projectId, S + C + 300);
      // In one process the second reserve waits for the first one's seed instead of reading again.
      if (store.one === store.two) assert.equal(seeds[0].calls() + seeds[1].calls(), 1);
    });

    it("reads the database once for a burst of reserves on one instance as the month begins", async () => {
      const S = 7000;
      const seed = gatedSeed(S);
      const burst = Array.from({ length: 20 }, () => store.one.reserve(reservation(projectId, 100, 1_000_000, seed.seed), NOW));
      await seed.reading;
      seed.open();
      for (const r of await Promise.all(burst)) assert.equal(r.ok, true);
      assert.equal(seed.calls(), 1);
      await expectUsed(store.one, projectId, S + 20 * 100);
    });

    it("settles a project without a budget onto a seeded month, and keeps nothing for an unseeded one", async () => {
      const seed = gatedSeed(7000);
      seed.open();
      assert.equal((await store.one.reserve(reservation(projectId, 0, 1_000_000, seed.seed), NOW)).ok, true);
      await store.two.settle(projectId, MONTH, 3000, [], false);
      await expectUsed(store.one, projectId, 10_000);
      // Another project, never seeded: its budget-less cost is not kept, the seed reads it from the database.
      const other = `${projectId}-b`;
      await store.two.settle(other, MONTH, 3000, [], false);
      const later = gatedSeed(3000);
      later.open();
      assert.equal((await store.one.reserve(reservation(other, 0, 1_000_000, later.seed), NOW)).ok, true);
      await expectUsed(store.one, other, 3000);
    });

    it("reads again after a failed seed", async () => {
      let calls = 0;
      const failing = async () => {
        calls++;
        throw new Error("database unreachable");
      };
      await assert.rejects(store.one.reserve(reservation(projectId, 100, 1_000_000, failing), NOW), /database unreachable/);
      await assert.rejects(store.one.reserve(reservation(projectId, 100, 1_000_000, failing), NOW), /database unreachable/);
      assert.equal(calls, 2);
      const seed = gatedSeed(0);
      seed.open();
      assert.equal((await store.one.reserve(reservation(projectId, 100, 1_000_000, seed.seed), NOW)).ok, true);
    });
  });
}

describe("budget settles of a project without a budget", () => {
  const engine = () => {
    const tokens = new Window("tpm:");
    return new LimitsEngine(new Window("rpm:"), tokens, new MemoryBudgets(), new MemoryReservations(tokens), 60_000, (err: unknown) => assert.fail(String(err)));
  };
  const batch = (projectId: string, costMicros: number) => ({ projectId, costByMonth: new Map([[monthKey(new Date()), costMicros]]), tokensByReservation: new Map(), unreservedTokens: 10 });

  it("leave the counter alone, so a budget set mid-month starts from the database's spend, counted once", async () => {
    const e = engine();
    const now = new Date();
    const projectId = `p-${randomBytes(4).toString("hex")}`;
    // Three batches of 3,000 micro-USD recorded while the project had no budget: the database holds 9,000.
    for (let i = 0; i < 3; i++) await e.settle(batch(projectId, 3000), {});
    const admitted = await e.admit({ projectId, limits: { monthlyBudgetUsd: 1 }, tokens: 0, costMicros: 100, now, seedSpend: async () => 9000 });
    assert.equal(admitted.limits.monthlyBudgetUsd?.remaining, formatUsd(1_000_000 - 9000 - 100));
  });

  it("keep a counter seeded while it had one true, so a budget set again this month sees that spend", async () => {
    const e = engine();
    const now = new Date();
    const projectId = `p-${randomBytes(4).toString("hex")}`;
    // Budget 1 USD: seeded at 0, then 500,000 settled; removed; 10,250,000 settled; set again.
    await e.admit({ projectId, limits: { monthlyBudgetUsd: 1 }, tokens: 0, costMicros: 0, now, seedSpend: async () => 0 });
    await e.settle(batch(projectId, 500_000), { monthlyBudgetUsd: 1 });
    await e.settle(batch(projectId, 10_250_000), {});
    const again = e.admit({ projectId, limits: { monthlyBudgetUsd: 1 }, tokens: 0, costMicros: 0, now, seedSpend: () => assert.fail("seeded already") });
    await assert.rejects(again, (err: TenancyError) => err.message.startsWith("monthlyBudgetUsd exceeded: 10.750000 of 1.000000 USD"));
  });
});
