// The request's caller and context are auth's (auth/context.ts); services import them from here too.
export type { Caller, Ctx } from "../auth/context";

/** Drops absent optional fields: the wire omits them rather than sending null. */
export function compact<T extends Record<string, unknown>>(obj: T): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== null && v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}
