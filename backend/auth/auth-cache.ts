/**
 * A per-instance, short memory of authorization facts: who a token or API key belongs to, and a
 * caller's standing in an organization. Reading them costs one to three queries per request, most
 * of what a small authenticated read costs; remembering them for a fraction of a second serves
 * a busy client from memory.
 *
 * Why it is safe:
 * - An entry lives at most `ttlMs` (≤ 1,000 ms, the promise DESIGN.md makes for revocations and
 *   lowered limits on every instance).
 * - Every management write on this instance forgets everything (`invalidate`), so a caller never
 *   sees its own revocation, removal or policy change late on the instance that made it.
 * - A lookup that began before such a write never stores its (possibly older) answer.
 * - Only facts are cached, never absences: a token created a moment ago on another instance works
 *   at once. Writes never use the cache: they read under the transaction's lock.
 */
export class AuthCache {
  private generation = 0;
  private readonly entries = new Map<string, { expires: number; value: unknown }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The remembered answer for `key`, or `load()`'s, remembered when it is not `undefined`. */
  async get<T>(key: string, now: number, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.ttlMs <= 0) return load();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value as T;
    if (hit) this.entries.delete(key);
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { expires: now + this.ttlMs, value });
    }
    return value;
  }

  /** Forgets everything: called when this instance commits a management write. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }
}

/** Remembers nothing: the default of callers used outside a server (scripts, tests). */
export const NO_AUTH_CACHE = new AuthCache(0);
