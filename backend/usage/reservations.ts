import { randomUUID } from "node:crypto";
import type { Window } from "./windows";

/**
 * What authorize charged for one request, kept on the server under the reservation id it answered
 * until the request's usage settles it, once, or it lapses. A client names its reservation; it
 * never tells the server what was charged: an id that authorize did not issue for the project,
 * one settled already or one that lapsed settles nothing, and its events count as unreserved.
 */
export interface Reservation {
  /** The token estimate charged to the tokens window (0: none was). */
  tokens: number;
  /** When that window ends (ms): the estimate is corrected in that window only. */
  windowEndsAtMs: number;
  /** The budget month holding the cost estimate under the reservation id; undefined: no hold. */
  month?: string;
}

/** A budget hold that a settled reservation releases. */
export interface Hold {
  month: string;
  holdId: string;
}

/** What one batch settles: the real tokens of the events per reservation they name, and the rest. */
export interface TokenUse {
  byReservation: Map<string, number>;
  unreserved: number;
  /** Correct and charge the tokens window (the project has a tokensPerMinute limit). */
  counted: boolean;
}

export interface Reservations {
  issue(projectId: string, id: string, r: Reservation, ttlMs: number): Promise<void>;
  /**
   * Takes each named reservation at most once (on every instance) and moves the tokens window by
   * what the batch used: a reservation's (real − estimate) goes to the window its estimate was
   * charged to while that window lasts; once it has ended, a credit is dropped (it is not the next
   * window's) and only usage beyond the estimate is charged, to the current window, as unreserved
   * usage is. Returns the budget holds the taken reservations release.
   */
  settle(projectId: string, use: TokenUse): Promise<Hold[]>;
}

/**
 * `res_` and 32 hex digits: random, so an id cannot be guessed; also the id of its budget hold.
 * randomUUID draws from a cached entropy pool: a syscall-free random id per authorize.
 */
export const newReservationId = () => `res_${randomUUID().replace(/-/g, "")}`;
const RESERVATION_ID = /^res_[0-9a-f]{32}$/;
/** Only an id of this form can name a reservation: others are not looked up at all. */
export const isReservationId = (id: string) => RESERVATION_ID.test(id);

/** One process: a Map in issue order, which is expiry order (every reservation lives as long). */
export class MemoryReservations implements Reservations {
  private readonly live = new Map<string, Reservation & { expiresAtMs: number }>();

  constructor(private readonly tokens: Window) {}

  async issue(projectId: string, id: string, r: Reservation, ttlMs: number): Promise<void> {
    const now = Date.now();
    for (const [key, kept] of this.live) {
      if (kept.expiresAtMs > now) break;
      this.live.delete(key);
    }
    this.live.set(`${projectId}:${id}`, { ...r, expiresAtMs: now + ttlMs });
  }

  private take(projectId: string, id: string): Reservation | undefined {
    const key = `${projectId}:${id}`;
    const r = this.live.get(key);
    this.live.delete(key);
    return r && r.expiresAtMs > Date.now() ? r : undefined;
  }

  async settle(projectId: string, use: TokenUse): Promise<Hold[]> {
    const holds: Hold[] = [];
    const current = use.counted ? await this.tokens.creditableEnd(projectId) : undefined;
    let delta = use.unreserved;
    for (const [id, real] of use.byReservation) {
      const r = this.take(projectId, id);
      if (r?.month) holds.push({ month: r.month, holdId: id });
      delta += tokenCorrection(r, real, (end) => this.tokens.isCurrent(current, end));
    }
    // Only the await of creditableEnd lies between reading the window and crediting it (its margin covers that).
    if (use.counted && delta !== 0) await this.tokens.adjust(projectId, delta);
    return holds;
  }
}

/** What one reservation's events move the current window by (the rule of `Reservations.settle`). */
export function tokenCorrection(r: Reservation | undefined, real: number, isCurrent: (windowEndsAtMs: number) => boolean): number {
  if (!r || r.tokens === 0) return real;
  if (isCurrent(r.windowEndsAtMs)) return real - r.tokens;
  return Math.max(0, real - r.tokens);
}
