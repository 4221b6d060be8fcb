import { TenancyError } from "../../schema/errors";

/**
 * A fixed one-minute window per caller, in memory: it protects one instance from a runaway
 * client. Each instance counts on its own; the data plane's project limits (a later issue) are
 * the ones that must be exact across instances.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  check(callerKey: string, now = Date.now()): void {
    if (this.perMinute === 0) return;
    let w = this.windows.get(callerKey);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 10_000) this.windows.clear();
      w = { start: now, count: 0 };
      this.windows.set(callerKey, w);
    }
    w.count += 1;
    if (w.count > this.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
      throw new TenancyError("rate_limited", `more than ${this.perMinute} requests in a minute from this caller; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }
}
