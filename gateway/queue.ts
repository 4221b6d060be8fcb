import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { UsageEvent } from "../schema/usage";

/** Writes `text` to `file` and fsyncs it, so it survives a crash once this resolves. */
async function durableAppend(file: string, text: string): Promise<void> {
  const handle = await open(file, "a");
  try {
    await handle.appendFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The events reported but not yet acknowledged by the backend: one JSON line each in
 * `queueDir/queue.ndjson`, appended and fsync'd before `append` resolves. Acknowledged events are
 * dropped by writing the rest to a new file and renaming it over the old one (atomic), so a
 * crash at any moment leaves either the old or the new list, never a partial one. A torn last
 * line (a crash inside an append that had not resolved) is skipped on load: its `report` never
 * returned, so nobody was told it was kept.
 */
export class DurableQueue {
  private readonly file: string;
  private pending: UsageEvent[] = [];
  /** File changes one at a time: an append never races the rewrite that drops sent events. */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string) {
    this.file = join(dir, "queue.ndjson");
  }

  static async open(dir: string): Promise<DurableQueue> {
    await mkdir(dir, { recursive: true });
    const queue = new DurableQueue(dir);
    const text = await readFile(queue.file, "utf8").catch((e) => (e.code === "ENOENT" ? "" : Promise.reject(e)));
    for (const line of text.split("\n")) {
      try {
        if (line) queue.pending.push(JSON.parse(line));
      } catch {
        // a torn last line: see the class comment
      }
    }
    return queue;
  }

  get size(): number {
    return this.pending.length;
  }

  /** The oldest `n` events, still queued. */
  head(n: number): UsageEvent[] {
    return this.pending.slice(0, n);
  }

  append(event: UsageEvent): Promise<void> {
    return this.serially(async () => {
      await durableAppend(this.file, JSON.stringify(event) + "\n");
      this.pending.push(event);
    });
  }

  /** Drops the oldest `n` events (the backend acknowledged them, or they were set aside as rejected). */
  remove(n: number): Promise<void> {
    return this.serially(async () => {
      const rest = this.pending.slice(n);
      const tmp = `${this.file}.tmp`;
      const handle = await open(tmp, "w");
      try {
        await handle.writeFile(rest.map((e) => JSON.stringify(e) + "\n").join(""));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.file);
      this.pending = rest;
    });
  }

  /** Keeps events the backend refused, with its answer, in `queueDir/rejected.ndjson`. */
  reject(events: UsageEvent[], error: unknown): Promise<void> {
    const line = JSON.stringify({ at: new Date().toISOString(), error, events }) + "\n";
    return this.serially(() => durableAppend(join(this.dir, "rejected.ndjson"), line));
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
