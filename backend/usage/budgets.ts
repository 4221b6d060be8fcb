/**
 * Monthly budgets as reserve → settle. `reserve` admits a request only if the month's recorded
 * spend plus the live holds plus its estimate fits the budget, and leaves a hold that expires on
 * its own, so a gateway killed between authorize and usage cannot keep budget reserved for ever.
 * `settle` drops the holds and adds the real cost; it runs inside the batch's transaction, just
 * before the commit. The spend counter is seeded from the database the first time a reserve
 * touches a project's month.
 *
 * The first seed races the batches being recorded: its database read cannot see a batch that is
 * settled but not yet committed. So a settle on a month without a counter is kept as pending, and
 * the seed that creates the counter adds the pending amount to the spend it read and clears it,
 * in one step. A settle whose commit came after the seed's read is then counted exactly once:
 * in the pending amount if it came before the counter existed, on the counter if after. A settle
 * whose commit came before the read is counted twice (once in the read, once as pending): an
 * over-count, which refuses a little early and never lets spend past the budget. It happens once
 * per project-month and is limited to the batches settled on the month before its counter existed:
 * normally only those settled while the month's first authorize was seeding.
 *
 * A project without a budget settles with `keepIfUnseeded` false: its cost goes onto a counter
 * that exists (one seeded while it had a budget, so that counter stays true and a budget set again
 * later this month sees all of the spend), and is dropped when there is none. Keeping it as
 * pending instead would count a whole budget-less stretch twice, since the seed that a new budget
 * makes reads the same spend from the database. So a budget set on a month without a counter
 * starts from the database alone: a batch whose request saw the project still without a budget,
 * and that commits after that first seed's read, goes uncounted (at most the batches in flight as
 * the budget is set). A settle whose commit then fails can likewise only over-count.
 */
export interface Reservation {
  projectId: string;
  month: string;
  costMicros: number;
  budgetMicros: number;
  holdId: string;
  expiresAtMs: number;
  /** The month's recorded spend, from the database, when the counter has none yet. */
  seed: () => Promise<number>;
}

/** A refusal says how much of what is used is live holds: those lapse, or settle, within the hold time. */
export type ReserveResult = { ok: true; remainingMicros: number } | { ok: false; usedMicros: number; heldMicros: number };

export interface Budgets {
  reserve(r: Reservation, nowMs: number): Promise<ReserveResult>;
  /**
   * Drops the holds and adds the cost; on a month not seeded yet keeps it as pending, or drops it
   * (see above). A retried settle names `committedBy`, a time its batch had certainly committed by:
   * a counter whose seed read the database after that has the cost already, and is left as it is;
   * on a month not seeded yet the cost is dropped, since the seed will read it.
   */
  settle(projectId: string, month: string, costMicros: number, holdIds: string[], keepIfUnseeded: boolean, committedBy?: number): Promise<void>;
  close(): Promise<void>;
}

interface Month {
  spent: number;
  /** The sum of the live holds' costs, kept with them so a reserve does not add them up. */
  held: number;
  holds: Map<string, { cost: number; expiresAtMs: number }>;
  sweptAtMs: number;
}

// Expired holds are swept at most once a second: a reserve stays cheap with many holds outstanding.
const SWEEP_EVERY_MS = 1000;

/**
 * The month's seed for everyone on this instance who asks while it runs: a burst of requests
 * that find a month unseeded makes one database read, not one each. A failed seed is not kept.
 */
export function sharedSeed<T>(inFlight: Map<string, Promise<T>>, key: string, seed: () => Promise<T>): Promise<T> {
  let running = inFlight.get(key);
  if (!running) {
    running = seed().finally(() => inFlight.delete(key));
    inFlight.set(key, running);
  }
  return running;
}

function drop(m: Month, id: string): void {
  const h = m.holds.get(id);
  if (!h) return;
  m.holds.delete(id);
  m.held -= h.cost;
}

/** One process: the same rules on a Map. */
export class MemoryBudgets implements Budgets {
  private readonly months = new Map<string, Month>();
  private readonly seeding = new Map<string, Promise<Month>>();
  /** Costs settled on a month before its counter exists (also while its seed is in flight). */
  private readonly pending = new Map<string, number>();

  private month(r: Reservation): Promise<Month> {
    const key = `${r.projectId}:${r.month}`;
    const known = this.months.get(key);
    if (known) return Promise.resolve(known);
    return sharedSeed(this.seeding, key, () =>
      r.seed().then((spent) => {
        // Creating the counter and taking the pending costs happen in this one callback: no settle
        // runs between them, so each settle lands either in the pending amount or on the counter.
        const m = this.months.get(key) ?? { spent: spent + (this.pending.get(key) ?? 0), held: 0, holds: new Map(), sweptAtMs: 0 };
        this.pending.delete(key);
        this.months.set(key, m);
        return m;
      }),
    );
  }

  async reserve(r: Reservation, nowMs: number): Promise<ReserveResult> {
    const m = await this.month(r);
    if (nowMs - m.sweptAtMs >= SWEEP_EVERY_MS) {
      m.sweptAtMs = nowMs;
      for (const [id, h] of m.holds) if (h.expiresAtMs <= nowMs) drop(m, id);
    }
    const used = m.spent + m.held;
    if (used >= r.budgetMicros || used + r.costMicros > r.budgetMicros) return { ok: false, usedMicros: used, heldMicros: m.held };
    m.holds.set(r.holdId, { cost: r.costMicros, expiresAtMs: r.expiresAtMs });
    m.held += r.costMicros;
    return { ok: true, remainingMicros: r.budgetMicros - used - r.costMicros };
  }

  async settle(projectId: string, month: string, costMicros: number, holdIds: string[], keepIfUnseeded: boolean): Promise<void> {
    const key = `${projectId}:${month}`;
    const m = this.months.get(key);
    if (!m) {
      // Not seeded yet: the seed's read may not see this uncommitted batch, so it adds the cost
      // when it creates the counter (see above). Holds exist only once seeded: none to drop.
      if (keepIfUnseeded && costMicros !== 0) this.pending.set(key, (this.pending.get(key) ?? 0) + costMicros);
      return;
    }
    for (const id of holdIds) drop(m, id);
    m.spent += costMicros;
  }

  async close(): Promise<void> {}
}
