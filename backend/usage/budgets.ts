import { randomUUID } from "node:crypto";

/**
 * Monthly budgets as reserve → settle. `reserve` admits a request only if the month's recorded
 * spend plus the live holds plus its estimate fits the budget, and leaves a hold that expires on
 * its own, so a gateway killed between authorize and usage cannot keep budget reserved for ever.
 * `settle` (after the events are committed) drops the holds and adds the real cost. The spend
 * counter starts from the database the first time a project's month is touched.
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

export type ReserveResult = { ok: true; remainingMicros: number } | { ok: false; usedMicros: number };

export interface Budgets {
  reserve(r: Reservation, nowMs: number): Promise<ReserveResult>;
  settle(projectId: string, month: string, costMicros: number, holdIds: string[]): Promise<void>;
  close(): Promise<void>;
}

// randomUUID draws from a cached entropy pool: a syscall-free random id per authorize.
export const newHoldId = () => randomUUID().replace(/-/g, "");

interface Month {
  spent: number;
  /** The sum of the live holds' costs, kept with them so a reserve does not add them up. */
  held: number;
  holds: Map<string, { cost: number; expiresAtMs: number }>;
  sweptAtMs: number;
}

// Expired holds are swept at most once a second: a reserve stays cheap with many holds outstanding.
const SWEEP_EVERY_MS = 1000;

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

  private month(r: Reservation): Promise<Month> {
    const key = `${r.projectId}:${r.month}`;
    const known = this.months.get(key);
    if (known) return Promise.resolve(known);
    let pending = this.seeding.get(key);
    if (!pending) {
      pending = r.seed().then((spent) => {
        const m = this.months.get(key) ?? { spent, held: 0, holds: new Map(), sweptAtMs: 0 };
        this.months.set(key, m);
        this.seeding.delete(key);
        return m;
      });
      pending.catch(() => this.seeding.delete(key));
      this.seeding.set(key, pending);
    }
    return pending;
  }

  async reserve(r: Reservation, nowMs: number): Promise<ReserveResult> {
    const m = await this.month(r);
    if (nowMs - m.sweptAtMs >= SWEEP_EVERY_MS) {
      m.sweptAtMs = nowMs;
      for (const [id, h] of m.holds) if (h.expiresAtMs <= nowMs) drop(m, id);
    }
    const used = m.spent + m.held;
    if (used >= r.budgetMicros || used + r.costMicros > r.budgetMicros) return { ok: false, usedMicros: used };
    m.holds.set(r.holdId, { cost: r.costMicros, expiresAtMs: r.expiresAtMs });
    m.held += r.costMicros;
    return { ok: true, remainingMicros: r.budgetMicros - used - r.costMicros };
  }

  async settle(projectId: string, month: string, costMicros: number, holdIds: string[]): Promise<void> {
    const m = this.months.get(`${projectId}:${month}`);
    // Not seeded yet: the first reserve reads the database, which already holds this cost.
    if (!m) return;
    for (const id of holdIds) drop(m, id);
    m.spent += costMicros;
  }

  async close(): Promise<void> {}
}
