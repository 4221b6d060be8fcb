import { Redis } from "ioredis";
import type { Store } from "../store/db";
import { RedisAdmission } from "./admission.redis";
import { Budgets, MemoryBudgets } from "./budgets";
import { RedisBudgets } from "./budgets.redis";
import { LimitsEngine } from "./limits";
import { loadPrices, PriceTable } from "./prices";
import { MemoryReservations } from "./reservations";
import { RedisReservations } from "./reservations.redis";
import { IngestionLimit, loadIngestionConfig, pruneExpired } from "./ingestion";
import { loadUsageConfig, UsageConfig } from "./usage.config";
import { Window } from "./windows";

/**
 * Everything the data plane keeps per backend process: the price table and the limits engine
 * (in process, or in Redis when TENANCY_REDIS_URL is set), and the timers that retry
 * settlements and prune old raw events.
 */
export interface UsageRuntime {
  readonly config: UsageConfig;
  readonly prices: PriceTable;
  readonly limits: LimitsEngine;
  readonly ingestion: IngestionLimit;
  /** Limits-store failures since start (also logged); the 503s show in /metrics by route and status. */
  readonly failures: { count: number };
  close(): Promise<void>;
}

const RETRY_SETTLE_MS = 5_000;
/** Redis answers in well under a millisecond; this long without an answer counts as a failure. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
const PRUNE_MS = 3600_000;

const runtimes = new WeakMap<Store, UsageRuntime>();

async function connect(url: string): Promise<Redis> {
  // Fail fast instead of queueing while Redis is away: authorize answers 503, not a hung request.
  // A Redis that is there but stalled (a long command, a paused host) answers nothing at all:
  // without a command timeout each request would wait for it, and a usage batch would hold its
  // transaction (on SQLite, the store's one write lock) all that time.
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (n) => Math.min(200 * n, 2000),
  });
  client.on("error", () => undefined);
  await client.connect().catch(() => undefined);
  return client;
}

/** Builds the runtime for a store (validating TENANCY_PRICES and TENANCY_REDIS_URL) and keeps it for `usageOf`. */
export async function startUsage(store: Store, env: NodeJS.ProcessEnv = process.env, log: (msg: string, err?: unknown) => void = () => undefined): Promise<UsageRuntime> {
  const config = loadUsageConfig(env);
  const ingestionConfig = loadIngestionConfig(env);
  const prices = loadPrices(config.pricesPath);
  const redis = config.redisUrl ? await connect(config.redisUrl) : undefined;
  const shared = redis ? { client: redis, prefix: config.redisPrefix } : undefined;
  const redisBudgets = redis ? new RedisBudgets(redis, config.redisPrefix) : undefined;
  const budgets: Budgets = redisBudgets ?? new MemoryBudgets();
  const failures = { count: 0 };
  const onFailure = (err: unknown) => {
    failures.count++;
    log("limits store failed", err);
  };
  const [requests, tokens] = [new Window("rpm:", shared), new Window("tpm:", shared)];
  const redisReservations = redis ? new RedisReservations(redis, config.redisPrefix, tokens) : undefined;
  const atomic = redis && redisBudgets && redisReservations ? new RedisAdmission(redis, requests, tokens, redisBudgets, redisReservations) : undefined;
  const reservations = redisReservations ?? new MemoryReservations(tokens);
  const ingestion = new IngestionLimit(ingestionConfig.eventsPerSecond, new Window("eps:", shared, 1));
  const limits = new LimitsEngine(requests, tokens, budgets, reservations, config.holdSeconds * 1000, onFailure, atomic);
  const swallow = (what: string) => (err: unknown) => log(what, err);
  const timers = [
    setInterval(() => limits.retryFailed().catch(() => undefined), RETRY_SETTLE_MS),
    setInterval(() => pruneExpired(store.db, new Date(), ingestionConfig.retentionDays).catch(swallow("usage event prune failed")), PRUNE_MS),
  ];
  for (const t of timers) t.unref();
  const runtime: UsageRuntime = {
    config,
    prices,
    limits,
    ingestion,
    failures,
    async close() {
      for (const t of timers) clearInterval(t);
      await limits.close();
      redis?.disconnect();
    },
  };
  runtimes.set(store, runtime);
  return runtime;
}

const starting = new WeakMap<Store, Promise<UsageRuntime>>();

/** The store's runtime; started from the process environment on first use when server.ts did not. */
export function usageOf(store: Store): Promise<UsageRuntime> {
  const known = runtimes.get(store);
  if (known) return Promise.resolve(known);
  let pending = starting.get(store);
  if (!pending) {
    pending = startUsage(store);
    starting.set(store, pending);
  }
  return pending;
}
