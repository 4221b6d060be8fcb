import type { CompiledQuery, Compilable } from "kysely";
import { Executor, readNow } from "./db";

const MARK = "\u0000tenancy-argument-";

interface Template<R> {
  query: CompiledQuery<R>;
  /** For each parameter of the compiled SQL: which argument fills it, or -1 for a constant. */
  slots: number[];
}

/**
 * A query of the request path built and compiled once per dialect, then run with new arguments:
 * Kysely's "splitting build, compile and execute" recipe. Building and compiling a query costs
 * more CPU than SQLite takes to answer a small read, on every request that needs it.
 *
 * On SQLite, outside a transaction, the compiled query skips Kysely's executor (db.ts `readNow`).
 *
 * `build` is called once per dialect with marker strings in place of the arguments; every
 * argument must end up as a bound parameter (never in the SQL text), which is checked then.
 */
export function prepared<A extends string[], R>(build: (db: Executor, ...args: A) => Compilable<R>): (db: Executor, ...args: A) => Promise<R[]> {
  // Keyed by the dialect's adapter: a transaction shares its database's adapter, so SQLite and
  // PostgreSQL each get their own SQL text. (`getExecutor` is marked internal in Kysely 0.28.)
  const templates = new WeakMap<object, Template<R>>();
  const compile = (db: Executor, arity: number): Template<R> => {
    const marks = Array.from({ length: arity }, (_, i) => `${MARK}${i}`) as A;
    const query = build(db, ...marks).compile();
    const slots = query.parameters.map((p) => (typeof p === "string" && p.startsWith(MARK) ? Number(p.slice(MARK.length)) : -1));
    for (let i = 0; i < arity; i++) {
      if (!slots.includes(i) || query.sql.includes(marks[i])) throw new Error(`prepared query: argument ${i} is not a bound parameter of ${query.sql}`);
    }
    return { query, slots };
  };
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let template = templates.get(adapter);
    if (!template) templates.set(adapter, (template = compile(db, args.length)));
    const { query, slots } = template;
    const parameters = slots.map((slot, i) => (slot >= 0 ? args[slot] : query.parameters[i]));
    return (readNow(db, query.sql, parameters) as R[] | undefined) ?? (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}
