import { setTimeout } from "node:timers/promises";
import { TenancyError } from "../../schema/errors";
import { MAX_EVENTS } from "../../schema/usage";
import type { Executor } from "../store/db";
import { pruneEvents } from "./usage.repository";
import type { Window } from "./windows";

/**
 * Fair and bounded ingestion: a project reports at most `eventsPerSecond` usage events per second,
 * and so does each gateway credential, with a limit of its own (one-second windows shared through
 * Redis like the other limits). So one project's flood is refused with 429 before it reaches the
 * store that every project's authorize reads, and one gateway's flood is refused before its body
 * is even read (`refuseWhenFull`, run by the route's beforeBody). A gateway's second counts every
 * event the server read, refused or not (a sender that ignores Retry-After gets that much read a
 * second, and the rest refused unread); a project's counts what it was allowed. Raw events are kept for
 * `retentionDays`, then pruned in bounded steps (the rollups stay).
 */
/**
 * The least that takes a whole batch each second: on the 2-core reference machine 5,000 a second
 * moved another project's authorize p99 5.8× on PostgreSQL, 1,000 about 1.4× (backend/README.md).
 * A deployment with the cores for more raises it.
 */
export const DEFAULT_EVENTS_PER_SECOND = MAX_EVENTS;
/** A gateway carries many projects' traffic: two full batches a second, still far under what moved p99 5.8×. */
export const DEFAULT_GATEWAY_EVENTS_PER_SECOND = 2 * MAX_EVENTS;
export const DEFAULT_RETENTION_DAYS = 35;
/**
 * A raw event is what makes a replay a duplicate, and a month takes events until it is final (a
 * little after it ends: data-plane.service.ts): an event must outlive its month, 31 days at most.
 */
export const MIN_RETENTION_DAYS = 32;
/** Rows one prune statement deletes: each is a short write, so the store's writers take turns with it. */
export const PRUNE_CHUNK = 5_000;

/** Which limit a refusal names, and whose. */
export const INGESTION_LIMITS = {
  usageEventsPerSecond: "a project",
  gatewayEventsPerSecond: "a gateway credential",
} as const;
export type IngestionLimitName = keyof typeof INGESTION_LIMITS;

export class IngestionLimit {
  constructor(
    readonly name: IngestionLimitName,
    private readonly eventsPerSecond: number,
    /** A one-second window. */
    private readonly window: Window,
    /** Whether a batch refused here still counts (the gateway's: the server read it). */
    private readonly refusedCounts = false,
  ) {}

  /** Counts a batch against its owner's second, or refuses it whole (429, Retry-After), taking nothing unless `refusedCounts`. */
  async admit(id: string, events: number, nowMs: number): Promise<void> {
    if (this.eventsPerSecond === 0) return;
    const w = await this.window.add(id, events, nowMs);
    if (w.consumed <= this.eventsPerSecond) return;
    // A project's refused batch gives its count back, so the project's other reports that second still fit.
    if (!this.refusedCounts) await this.giveBack(id, events);
    throw this.refusal(`this batch of ${events} would pass it; nothing in it was recorded`, w.resetAt.getTime() - nowMs);
  }

  /** Gives back what `admit` took for a batch that another check refused after it. */
  async giveBack(id: string, events: number): Promise<void> {
    if (this.eventsPerSecond > 0) await this.window.adjust(id, -events).catch(() => undefined);
  }

  /**
   * Refuses (429) when the owner's second is already full: no batch could pass, whatever its size.
   * The refusal is sent when that second ends (or the request is gone): a sender that ignores
   * Retry-After would otherwise be answered at once and come straight back, hundreds of times a
   * second, each an accepted connection and a parsed request that every other tenant waits behind.
   * A sender that honours it loses nothing: it could not have been accepted before then.
   */
  async refuseWhenFull(id: string, nowMs: number, ended: AbortSignal): Promise<void> {
    if (this.eventsPerSecond === 0) return;
    const w = await this.window.read(id, nowMs);
    if (w.consumed < this.eventsPerSecond) return;
    const refusal = this.refusal("this second's are all taken; the request body was not read", w.resetAt.getTime() - nowMs);
    await setTimeout(Math.max(0, w.resetAt.getTime() - Date.now()), undefined, { signal: ended }).catch(() => undefined);
    throw refusal;
  }

  private refusal(why: string, msLeft: number): TenancyError {
    const retry = Math.max(1, Math.ceil(msLeft / 1000));
    const detail = `${this.name} exceeded: ${INGESTION_LIMITS[this.name]} reports at most ${this.eventsPerSecond} usage events per second and ${why}; retry after ${retry} s`;
    return new TenancyError("rate_limited", detail, { limit: this.name, retryAfterSeconds: retry });
  }
}

/** The retention job: deletes raw events older than `retentionDays`, PRUNE_CHUNK at a time; returns how many. */
export async function pruneExpired(db: Executor, now: Date, retentionDays: number, chunk = PRUNE_CHUNK): Promise<number> {
  const before = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  let total = 0;
  for (;;) {
    const n = await pruneEvents(db, before, chunk);
    total += n;
    if (n < chunk) return total;
  }
}
