import { Redis } from "ioredis";
import type { UsageConfig } from "../config";
import type { Store } from "../store/db";
import { RedisAdmission } from "./admission.redis";
import { Budgets, MemoryBudgets } from "./budgets";
import { RedisBudgets } from "./budgets.redis";
import { LimitsEngine } from "./limits";
import { loadPrices, PriceTable } from "./prices";
import { MemoryReservations } from "./reservations";
import { RedisReservations } from "./reservations.redis";
import { IngestionLimit, pruneExpired } from "./ingestion";
import { ReservationSeal } from "./reservation-seal";
import { GatewayTurns } from "./turns";
import { Window } from "./windows";

/**
 * Everything the data plane keeps per backend process: the price table and the limits engine
 * (in process, or in Redis when TENANCY_REDIS_URL is set), and the timers that retry
 * settlements and prune old raw events. Made once by whoever builds the app (`buildApp` takes it
 * and its `close()` closes it): nothing of it is module state.
 */
export interface UsageRuntime {
  readonly config: UsageConfig;
  readonly prices: PriceTable;
  readonly limits: LimitsEngine;
  /** Events per second per project. */
  readonly ingestion: IngestionLimit;
  /** Events per second per gateway credential. */
  readonly gatewayIngestion: IngestionLimit;
  /** One usage batch in work per gateway credential at a time (turns.ts). */
  readonly turns: GatewayTurns;
  /** Seals the reservation ids authorize answers to the key they bill. */
  readonly seal: ReservationSeal;
  /** Limits-store failures since start (also logged); the 503s show in /metrics by route and status. */
  readonly failures: { count: number };
  close(): Promise<void>;
}

const RETRY_SETTLE_MS = 5_000;
/** Redis answers in well under a millisecond; this long without an answer counts as a failure. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
const PRUNE_MS = 3600_000;

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

/** Builds the runtime for a store from the validated config (the price table is read here). */
export async function startUsage(store: Store, config: UsageConfig, log: (msg: string, err?: unknown) => void = () => undefined): Promise<UsageRuntime> {
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
  const ingestion = new IngestionLimit("usageEventsPerSecond", config.eventsPerSecond, new Window("eps:", shared, 1));
  const gatewayIngestion = new IngestionLimit("gatewayEventsPerSecond", config.gatewayEventsPerSecond, new Window("gps:", shared, 1), true);
  const limits = new LimitsEngine(requests, tokens, budgets, reservations, config.holdSeconds * 1000, onFailure, atomic);
  const swallow = (what: string) => (err: unknown) => log(what, err);
  const timers = [
    // A failure keeps the settle for the next round (pendingSettles, in /metrics); it is still said.
    setInterval(() => limits.retryFailed().catch(swallow("budget settle retry failed")), RETRY_SETTLE_MS),
    setInterval(() => pruneExpired(store.db, new Date(), config.retentionDays).catch(swallow("usage event prune failed")), PRUNE_MS),
  ];
  for (const t of timers) t.unref();
  const runtime: UsageRuntime = {
    config,
    prices,
    limits,
    ingestion,
    gatewayIngestion,
    turns: new GatewayTurns(),
    seal: new ReservationSeal(store.db),
    failures,
    async close() {
      for (const t of timers) clearInterval(t);
      await limits.close();
      redis?.disconnect();
    },
  };
  return runtime;
}
