import { TenancyError } from "../../schema/errors";

/**
 * How much of one gateway credential's usage batches an instance works on at once, by their
 * declared body sizes: many small reports go side by side, but a batch of about 500 events or
 * more (a 1,000-event batch is some 120 KB) is worked on alone.
 */
export const WORK_BYTES = 64 * 1024;
/** Batches of one credential waiting their turn, at most, on each instance. */
export const MAX_WAITING = 64;

interface Waiter {
  bytes: number;
  start(): void;
}

interface Line {
  inWork: number;
  bytes: number;
  waiting: Waiter[];
}

/**
 * Turns for a gateway credential's usage batches: the next ones wait, unread, until the batches in
 * work leave room (WORK_BYTES). A gateway that sends four 1,000-event batches at once would
 * otherwise have the server parse and price all four back to back (three only to be refused
 * when the project's second is full), every other tenant's request waiting behind that stretch;
 * waiting unread, a batch costs a socket and the kernel's buffer, and TCP holds the sender back.
 * Turns are first come, first served; past MAX_WAITING a batch is refused on its headers (429).
 */
export class GatewayTurns {
  private readonly lines = new Map<string, Line>();

  constructor(
    private readonly workBytes = WORK_BYTES,
    private readonly maxWaiting = MAX_WAITING,
  ) {}

  /**
   * Resolves when a batch of `bytes` (its Content-Length; unknown counts as the whole room) may
   * be read; its turn ends when `ended` aborts (the answer sent or the connection closed). A batch
   * whose connection closes while it waits leaves the line.
   */
  async take(gatewayId: string, bytes: number | undefined, ended: AbortSignal): Promise<void> {
    if (ended.aborted) return;
    const size = Math.min(bytes ?? this.workBytes, this.workBytes);
    const line = this.lines.get(gatewayId) ?? { inWork: 0, bytes: 0, waiting: [] };
    this.lines.set(gatewayId, line);
    if (line.waiting.length === 0 && this.fits(line, size)) this.begin(line, size);
    else {
      if (line.waiting.length >= this.maxWaiting) {
        const detail = `gatewayBatchesInFlight exceeded: a gateway credential's usage batches wait their turn on each instance, at most ${this.maxWaiting} of them; send fewer at once; retry after 1 s`;
        throw new TenancyError("rate_limited", detail, { limit: "gatewayBatchesInFlight", retryAfterSeconds: 1 });
      }
      const started = await new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          bytes: size,
          start: () => {
            ended.removeEventListener("abort", leave);
            resolve(true);
          },
        };
        const leave = () => {
          line.waiting.splice(line.waiting.indexOf(waiter), 1);
          resolve(false);
          this.next(gatewayId, line);
        };
        line.waiting.push(waiter);
        ended.addEventListener("abort", leave, { once: true });
      });
      if (!started) return;
    }
    // Gone between its turn coming and now: its room is given back at once.
    if (ended.aborted) return this.end(gatewayId, line, size);
    ended.addEventListener("abort", () => this.end(gatewayId, line, size), { once: true });
  }

  /** A batch always fits when nothing is in work: one larger than the room runs alone. */
  private fits(line: Line, size: number): boolean {
    return line.inWork === 0 || line.bytes + size <= this.workBytes;
  }

  private begin(line: Line, size: number): void {
    line.inWork++;
    line.bytes += size;
  }

  private end(gatewayId: string, line: Line, size: number): void {
    line.inWork--;
    line.bytes -= size;
    this.next(gatewayId, line);
  }

  /** Starts the waiting batches that now fit, in order; forgets an idle line. */
  private next(gatewayId: string, line: Line): void {
    while (line.waiting.length > 0 && this.fits(line, line.waiting[0].bytes)) {
      const waiter = line.waiting.shift()!;
      this.begin(line, waiter.bytes);
      waiter.start();
    }
    if (line.inWork === 0 && line.waiting.length === 0) this.lines.delete(gatewayId);
  }

  /** Batches in work and batches waiting their turn, over every credential (in /metrics). */
  counts(): { inWork: number; waiting: number } {
    let inWork = 0;
    let waiting = 0;
    for (const line of this.lines.values()) {
      inWork += line.inWork;
      waiting += line.waiting.length;
    }
    return { inWork, waiting };
  }
}
