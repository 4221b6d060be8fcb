import { TenancyError } from "../../schema/errors";
import { MAX_EVENTS } from "../../schema/usage";
import type { Executor } from "../store/db";
import { pruneEvents } from "./usage.repository";
import type { Window } from "./windows";

/**
 * Fair and bounded ingestion: a project reports at most `eventsPerSecond` usage events per second
 * (a one-second window per project, shared through Redis like the other limits), so one project's
 * flood is refused with 429 before it reaches the store that every project's authorize reads; and
 * raw events are kept for `retentionDays`, then pruned in bounded steps (the rollups stay).
 */
/**
 * The least that takes a whole batch each second: on the 2-core reference machine 5,000 a second
 * moved another project's authorize p99 5.8× on PostgreSQL, 1,000 about 1.4× (backend/README.md).
 * A deployment with the cores for more raises it.
 */
export const DEFAULT_EVENTS_PER_SECOND = MAX_EVENTS;
export const DEFAULT_RETENTION_DAYS = 35;
/**
 * A raw event is what makes a replay a duplicate, and a month takes events until it is final (a
 * little after it ends: data-plane.service.ts): an event must outlive its month, 31 days at most.
 */
export const MIN_RETENTION_DAYS = 32;
/** Rows one prune statement deletes: each is a short write, so the store's writers take turns with it. */
export const PRUNE_CHUNK = 5_000;

export class IngestionLimit {
  constructor(
    private readonly eventsPerSecond: number,
    /** A one-second window. */
    private readonly window: Window,
  ) {}

  /** Counts a batch against its project's second, or refuses it whole (429, Retry-After) and takes nothing. */
  async admit(projectId: string, events: number, nowMs: number): Promise<void> {
    if (this.eventsPerSecond === 0) return;
    const w = await this.window.add(projectId, events, nowMs);
    if (w.consumed <= this.eventsPerSecond) return;
    // A refused batch gives its count back: a client that retries after the window is not punished for it.
    await this.window.adjust(projectId, -events).catch(() => undefined);
    const retry = Math.max(1, Math.ceil((w.resetAt.getTime() - nowMs) / 1000));
    const detail = `usageEventsPerSecond exceeded: a project reports at most ${this.eventsPerSecond} usage events per second and this batch of ${events} would pass it; nothing in it was recorded; retry after ${retry} s`;
    throw new TenancyError("rate_limited", detail, { limit: "usageEventsPerSecond", retryAfterSeconds: retry });
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
