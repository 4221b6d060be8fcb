import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { call, client, expectStatus } from "../backend/helpers";
import { storeGateway } from "../support/gateway";
import { createProject, eventId, eventually, gateway, micros, Project, REDIS_URL, redisPrefix, refusalTests, tenant, Tenant, UsageEventInput } from "./support";
import { gauge, gauges } from "../support/metrics";

/**
 * The limits shared by several instances through Redis (TENANCY_REDIS_URL), and what happens
 * when Redis is away. Needs TENANCY_TEST_REDIS_URL and, for two instances on one store,
 * TEST_DATABASE_URL (PostgreSQL).
 */
const postgres = DIALECTS.find((d) => d.name === "postgres");
const missing = !REDIS_URL ? "TENANCY_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)" : !postgres ? "TEST_DATABASE_URL is not set" : undefined;

const month = () => new Date().toISOString().slice(0, 7);

if (missing) {
  describe("limits shared in Redis by two instances on one PostgreSQL", () => {
    it(`pending: ${missing}`);
  });
} else {
  describe("limits shared in Redis by two instances on one PostgreSQL", () => {
    let one: Backend;
    let two: Backend;
    let t: Tenant;
    before(async () => {
      const env = { TENANCY_REDIS_URL: REDIS_URL!, TENANCY_REDIS_PREFIX: redisPrefix(), TENANCY_RATE_LIMIT_PER_MINUTE: "0" };
      one = await startBackend({ dialect: postgres, env });
      two = await startBackend({ dialect: postgres, env: { ...env, TENANCY_DATABASE_URL: one.databaseUrl } });
      t = await tenant(one, { rpm: { requestsPerMinute: 40 }, budget: { monthlyBudgetUsd: 0.06 } });
    });
    after(async () => {
      await two?.dispose();
      await one?.dispose();
    });

    /** 64 loops, each alternating instances, each admitted request reported by the other instance. */
    /** The store's gateway credential, calling instance `b` for project `p`'s key. */
    const via = async (b: Backend, p: Project) => gateway(b, await storeGateway(one.databaseUrl), p);

    async function loops(p: Project, batches: UsageEventInput[][]): Promise<number> {
      const gateways = [await via(one, p), await via(two, p)];
      let admitted = 0;
      const loop = async (n: number) => {
        for (let i = 0; i < 3; i++) {
          const a = await gateways[(n + i) % 2].authorize({ model: "gpt-4o", maxOutputTokens: 300 });
          if (a.status === 429) continue;
          expectStatus(a, 200);
          admitted++;
          const batch = [{ eventId: eventId(`l${n}`), model: "gpt-4o", inputTokens: 0, outputTokens: 300, reservationId: a.body.reservationId }];
          expectStatus(await gateways[(n + i + 1) % 2].usage(batch), 200);
          batches.push(batch);
        }
      };
      await Promise.all(Array.from({ length: 64 }, (_, n) => loop(n)));
      return admitted;
    }

    const spentOn = async (projectId: string) => {
      const inv = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month()}`), 200).data[0];
      return inv.lines.filter((l: any) => l.projectId === projectId).reduce((s: number, l: any) => s + micros(l.costUsd), 0);
    };

    it("admits at most RPM + 1 requests per window across both instances, and a replay of every batch changes no total", async () => {
      const p = t.projects.rpm;
      const batches: UsageEventInput[][] = [];
      const admitted = await loops(p, batches);
      assert.ok(admitted >= 1 && admitted <= 41, `admitted ${admitted} of 192 with requestsPerMinute 40`);
      const before = await spentOn(p.id);
      assert.equal(before, admitted * 3000);
      for (const b of [one, two]) {
        for (const batch of batches) assert.deepEqual(expectStatus(await (await via(b, p)).usage(batch), 200), { accepted: 0, duplicates: 1 });
      }
      assert.equal(await spentOn(p.id), before);
    });

    it("keeps spend within the monthly budget plus one request's cost across both instances", async () => {
      const p = t.projects.budget;
      const admitted = await loops(p, []);
      const spent = await spentOn(p.id);
      // 0.003 USD a request against 0.06 USD: 20 fit.
      assert.ok(spent <= 60_000 + 3000, `spent ${spent} micro-USD of a 60000 budget`);
      assert.equal(spent, admitted * 3000);
      assert.ok(admitted >= 19, `admitted ${admitted}`);
    });

    it("credits a reservation's token estimate once across both instances, on whichever it is settled", async () => {
      const p = await createProject(one, t.root, t.orgId, "tpm-twice", { tokensPerMinute: 1000 });
      const [onOne, onTwo] = [await via(one, p), await via(two, p)];
      const ask = (g: typeof onOne, inputTokens: number) => g.authorize({ model: "gpt-4o-mini", inputTokens });
      const settle = (g: typeof onOne, reservationId: string) => g.usage([{ eventId: eventId(), model: "gpt-4o-mini", inputTokens: 0, outputTokens: 0, reservationId }]);
      const { reservationId } = expectStatus(await ask(onOne, 1000), 200);
      for (const g of [onTwo, onOne, onTwo]) expectStatus(await settle(g, reservationId), 200);
      assert.equal(expectStatus(await ask(onTwo, 1000), 200).limits.tokensPerMinute.remaining, 0);
      assert.equal(expectStatus(await ask(onOne, 1), 429).limit, "tokensPerMinute");
    });

    it("refuses a key on instance 2 within a second of its revocation on instance 1", async () => {
      const p = await createProject(one, t.root, t.orgId, "revoked-twice");
      const onTwo = await via(two, p);
      expectStatus(await onTwo.authorize({ model: "gpt-4o" }), 200);
      expectStatus(await t.root.delete(`/v1/organizations/${t.orgId}/projects/${p.id}/api-keys/${p.keyId}`), 204);
      const deadline = Date.now() + 1000;
      await eventually(async () => (await onTwo.authorize({ model: "gpt-4o" })).status === 403, "instance 2 refused the revoked key");
      assert.ok(Date.now() <= deadline, "refused within one second of the revocation");
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`limits with Redis unreachable (${dialect.name})`, () => {
    let backend: Backend;
    let t: Tenant;
    before(async () => {
      // Nothing listens on port 1: every Redis command fails at once.
      backend = await startBackend({ dialect, env: { TENANCY_REDIS_URL: "redis://127.0.0.1:1", TENANCY_REDIS_PREFIX: redisPrefix() } });
      t = await tenant(backend, { budget: { monthlyBudgetUsd: 10 }, rpm: { requestsPerMinute: 100 } });
    });
    after(() => backend?.dispose());

    it("fails closed for budgets with 503 limits_unavailable and Retry-After, visible in /metrics", async () => {
      const res = await t.projects.budget.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 10 });
      assert.equal(expectStatus(res, 503).code, "limits_unavailable");
      assert.equal(res.body.detail, "the shared limits store is unreachable, so the monthly budget cannot be checked; retry shortly");
      assert.equal(res.headers["retry-after"], "5");
      const metrics = (await call(backend.url, "GET", "/metrics", undefined)).text;
      assert.match(metrics, /tenancy_http_requests_total\{method="POST",route="\/v1\/authorize",status="503"\} [1-9]/);
    });

    it("still admits a project without a budget (its windows fall back to this instance) and still records usage", async () => {
      expectStatus(await t.projects.rpm.gateway.authorize({ model: "gpt-4o" }), 200);
      const events = [{ eventId: eventId(), model: "gpt-4o", inputTokens: 1000, outputTokens: 0 }];
      assert.deepEqual(expectStatus(await t.projects.budget.gateway.usage(events), 200), { accepted: 1, duplicates: 0 });
      const rows = expectStatus(await client(backend, backend.token).get(`/v1/organizations/${t.orgId}/costs?projectId=${t.projects.budget.id}`), 200).data;
      assert.deepEqual(rows.map((r: any) => r.costUsd), ["0.002500"]);
    });

    it("gives back the request and tokens a 503 took, so the windows hold only what was admitted", async () => {
      const t2 = await tenant(backend, { both: { monthlyBudgetUsd: 10, requestsPerMinute: 2, tokensPerMinute: 1000 } });
      const p = t2.projects.both;
      // Kept, three of them would be over both windows (3 requests, 1,200 tokens) and answer 429.
      for (let i = 0; i < 3; i++) assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 400 }), 503).code, "limits_unavailable");
      expectStatus(await t2.root.patch(`/v1/organizations/${t2.orgId}/projects/${p.id}`, { limits: { monthlyBudgetUsd: null } }), 200);
      let admitted: any;
      await eventually(async () => (admitted = await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 400 })).status !== 503, "the budget's removal applied");
      const { requestsPerMinute, tokensPerMinute } = expectStatus(admitted, 200).limits;
      assert.deepEqual([requestsPerMinute.remaining, tokensPerMinute.remaining], [1, 600]);
    });

    it("counts a batch's tokens on top of the estimate when its reservation is out of reach: more, never less", async () => {
      const t2 = await tenant(backend, { tpm: { tokensPerMinute: 1000 } });
      const p = t2.projects.tpm;
      const { reservationId } = expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 100 }), 200);
      const events = [{ eventId: eventId(), model: "gpt-4o", inputTokens: 50, outputTokens: 60, reservationId }];
      expectStatus(await p.gateway.usage(events), 200);
      // Without the reservation the batch's 110 tokens count as unreserved, beside the estimate's 100.
      assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200).limits.tokensPerMinute.remaining, 790);
    });
  });
}

/** A suite on one SQLite backend sharing the test Redis (with `env` on top), pending without it. */
function describeWithRedis(title: string, env: Record<string, string>, suite: (backend: () => Backend) => void): void {
  describe(title, () => {
    if (!REDIS_URL) {
      it("pending: TENANCY_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)");
      return;
    }
    let backend: Backend;
    before(async () => {
      backend = await startBackend({ env: { TENANCY_REDIS_URL: REDIS_URL!, TENANCY_REDIS_PREFIX: redisPrefix(), ...env } });
    });
    after(() => backend?.dispose());
    suite(() => backend);
  });
}

describeWithRedis("limit refusals in Redis", {}, refusalTests);

describeWithRedis("budget holds in Redis", { TENANCY_RESERVATION_TTL_SECONDS: "1" }, (backendOf) => {
  it("lapse on their own when the gateway never reports (a killed gateway leaks nothing for ever)", async () => {
    const p = (await tenant(backendOf(), { lapse: { monthlyBudgetUsd: 0.01 } })).projects.lapse;
    expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 }), 200);
    assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 }), 429).limit, "monthlyBudgetUsd");
    await eventually(async () => (await p.gateway.authorize({ model: "gpt-4o", maxOutputTokens: 1000 })).status === 200, "the hold lapsed");
  });
});

/**
 * A redis-server of this test's own, which it can pause (SIGSTOP), kill and start again: empty,
 * or, given a folder, with every write it acknowledged (an append-only file synced on each write).
 */
class OwnRedis {
  private child?: ChildProcess;
  readonly port = 20_000 + Math.floor(Math.random() * 30_000);
  constructor(private readonly dir?: string) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const persistence = this.dir ? ["--dir", this.dir, "--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
    this.child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", ...persistence], { stdio: "ignore" });
    await eventually(
      () =>
        new Promise((ok) => {
          const socket = connect(this.port, "127.0.0.1", () => {
            socket.end();
            ok(true);
          }).on("error", () => ok(false));
        }),
      `redis-server listening on ${this.port}`,
    );
  }
  pause = () => this.child?.kill("SIGSTOP");
  resume = () => this.child?.kill("SIGCONT");
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGCONT");
    await new Promise((done) => child.once("exit", done).kill("SIGKILL"));
  }
}

const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

/** The budget settle retry, which runs every 5 s once a failed settle's batch has surely committed (2 s). */
const settled = (backend: Backend) => eventually(async () => (await gauge(backend.url, "tenancy_budget_settles_pending")) === 0, "the retry settled what Redis refused", 800);

/** A suite on one backend and a redis-server of its own (on disk when `persistent`), pending without redis-server. */
function describeWithOwnRedis(title: string, persistent: boolean, suite: (redis: OwnRedis, backendOf: () => Backend) => void): void {
  describe(title, () => {
    if (!hasRedisServer) {
      it("pending: no redis-server on the PATH (.ci/run installs Debian's)");
      return;
    }
    const dir = persistent ? mkdtempSync(join(tmpdir(), "tenancy-redis-")) : undefined;
    const redis = new OwnRedis(dir);
    let backend: Backend;
    before(async () => {
      await redis.start();
      backend = await startBackend({ env: { TENANCY_REDIS_URL: redis.url, TENANCY_REDIS_PREFIX: redisPrefix() } });
    });
    after(async () => {
      await backend?.dispose();
      await redis.kill();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    suite(redis, () => backend);
  });
}

describeWithOwnRedis("limits when a Redis stalls or comes back empty", false, (redis, backendOf) => {
  const HANG_MS = 20_000;
  /**
   * The answer within `ms`, or a failure saying the request hung. Not a speed check: the server
   * gives up on Redis after 500 ms (REDIS_COMMAND_TIMEOUT_MS), and the bound is far above that so
   * only a request that waits on the stalled Redis for good trips it, however busy the machine.
   */
  const within = <T>(ms: number, what: string, answer: Promise<T>) =>
    Promise.race([answer, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${what} still unanswered after ${ms} ms`)), ms))]);

  it("answers 503 at once while Redis stalls, and the management API and usage go on", async () => {
    const t = await tenant(backendOf(), { stalled: { monthlyBudgetUsd: 1 } });
    const p = t.projects.stalled;
    expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200);
    redis.pause();
    try {
      const refused = await within(HANG_MS, "authorize", p.gateway.authorize({ model: "gpt-4o" }));
      assert.deepEqual([refused.status, refused.body.code, refused.headers["retry-after"]], [503, "limits_unavailable", "5"]);
      const events = [{ eventId: eventId(), model: "gpt-4o", inputTokens: 1000, outputTokens: 0 }];
      assert.deepEqual(expectStatus(await within(HANG_MS, "usage", p.gateway.usage(events)), 200), { accepted: 1, duplicates: 0 });
      expectStatus(await within(HANG_MS, "a management read", t.root.get(`/v1/organizations/${t.orgId}`)), 200);
    } finally {
      redis.resume();
    }
  });

  it("counts spend reported while Redis was away once, when Redis comes back without its data", async () => {
    const t = await tenant(backendOf(), { restarted: { monthlyBudgetUsd: 0.1 } });
    const p = t.projects.restarted;
    expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200);
    await redis.kill();
    // 0.05 USD, recorded in the database; its budget settle waits for Redis.
    const events = [{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 5000 }];
    assert.deepEqual(expectStatus(await p.gateway.usage(events), 200), { accepted: 1, duplicates: 0 });
    // Not a condition to wait on but the protocol's own bound (COMMIT_BOUND_MS, 2 s, in limits.ts):
    // a month seeded after it reads the batch from the database, so the retry must leave it alone.
    await new Promise((r) => setTimeout(r, 2500));
    await redis.start();
    // The first authorize seeds the month from the database (0.05 spent); the retried settle, on
    // its 5-second timer, must not add the same 0.05 again (it locked the project for the month).
    await eventually(async () => (await p.gateway.authorize({ model: "gpt-4o" })).status === 200, "Redis is back");
    await settled(backendOf());
    const after = expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200);
    assert.equal(after.limits.monthlyBudgetUsd.remaining, "0.050000");
  });
});

describeWithOwnRedis("limits when Redis restarts with its data", true, (redis, backendOf) => {
  it("keeps the settles Redis refused, shows them in /metrics, and counts them once when it is back", async () => {
    const t = await tenant(backendOf(), { kept: { monthlyBudgetUsd: 0.1 } });
    const p = t.projects.kept;
    // Seeds the month's counter in Redis (nothing spent), which the restart keeps.
    assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200).limits.monthlyBudgetUsd.remaining, "0.100000");
    await redis.kill();
    const events = [{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 5000 }];
    assert.deepEqual(expectStatus(await p.gateway.usage(events), 200), { accepted: 1, duplicates: 0 });
    assert.deepEqual(await gauges(backendOf().url, "tenancy_budget_settles_pending", "tenancy_budget_settle_pending_usd"), [1, 0.05]);
    await redis.start();
    // The counter was seeded before the failure: only the retry can add the 0.05 to it.
    await settled(backendOf());
    assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200).limits.monthlyBudgetUsd.remaining, "0.050000");
  });

  it("keeps what a failed retry round could not settle, two batches as one, and counts both once when Redis is back", async () => {
    const failedRounds = () => backendOf().logs().split("budget settle retry failed").length - 1;
    const t = await tenant(backendOf(), { retried: { monthlyBudgetUsd: 0.2 } });
    const p = t.projects.retried;
    assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200).limits.monthlyBudgetUsd.remaining, "0.200000");
    await redis.kill();
    const before = failedRounds();
    for (let i = 0; i < 2; i++) expectStatus(await p.gateway.usage([{ eventId: eventId(), model: "gpt-4o", inputTokens: 0, outputTokens: 5000 }]), 200);
    const pending = async () => await gauges(backendOf().url, "tenancy_budget_settles_pending", "tenancy_budget_settle_pending_usd");
    assert.deepEqual(await pending(), [1, 0.1]);
    // The retry's own round, failing while Redis is away: what it took out must be kept, not lost.
    await eventually(async () => failedRounds() > before, "a retry round failed while Redis was away", 800);
    assert.deepEqual(await pending(), [1, 0.1]);
    await redis.start();
    await settled(backendOf());
    assert.equal(expectStatus(await p.gateway.authorize({ model: "gpt-4o" }), 200).limits.monthlyBudgetUsd.remaining, "0.100000");
  });
});
