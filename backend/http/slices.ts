import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Long work on one request's list (a usage batch: up to 1,000 events, validated by the pipeline,
 * priced and written by the data plane) goes in slices of this many items, with a turn of the
 * event loop between two slices: the requests of other tenants that arrived meanwhile are served
 * there, so what one batch adds to their wait is one slice's work, not the batch's.
 */
export const SLICE = 100;

/** Calls `work` on each `size`-long slice of `items` in order (with the index of its first), a turn of the event loop between two. */
export async function inSlices<T>(items: readonly T[], size: number, work: (slice: T[], start: number) => void | Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    if (start > 0) await nextTurn();
    await work(items.slice(start, start + size), start);
  }
}
