import { TenancyError } from "../schema/errors";

/**
 * Helpers on property bags shared by the resources: values not known during a preview, JSON
 * comparison, merge patches, and errors with context. Runs only in the provider host.
 */

/** The value Pulumi sends for inputs not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

/** Where in `v` values not known yet sit. */
export function unknownPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v === UNKNOWN) return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => unknownPaths(x, [...path, i]));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => unknownPaths(x, [...path, k]));
  return [];
}

/** True when any input (at any depth) is not known yet. */
export function hasUnknowns(props: Props): boolean {
  return unknownPaths(props).length > 0;
}

export function withoutProvider(props: Props): Props {
  const { __provider: _, ...rest } = props;
  return rest;
}

/** The fields `keys` of `props` that are set. */
export function pick(props: object, keys: readonly string[]): Props {
  const values = new Map(Object.entries(props));
  return Object.fromEntries(keys.filter((k) => values.get(k) !== undefined).map((k) => [k, values.get(k)]));
}

export function omit(props: Props, keys: readonly string[]): Props {
  return Object.fromEntries(Object.entries(props).filter(([k, v]) => !keys.includes(k) && v !== undefined));
}

/** Deep equality of JSON values, blind to key order; `undefined` and absent are the same. */
export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x,
  ) ?? "undefined";
}

/** The RFC 7396 merge patch that turns `from` into `to` (absent in `to` becomes `null`). */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return to === undefined ? null : to;
  const patch: Props = {};
  for (const k of new Set([...Object.keys(from), ...Object.keys(to)])) {
    if (same(from[k], to[k])) continue;
    patch[k] = to[k] === undefined ? null : mergePatch(from[k], to[k]);
  }
  return patch;
}

function isObject(v: unknown): v is Props {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** The resource's logical name, from the URN the class puts in `externalId`. */
export function logicalName(inputs: Props, fallback: unknown): string {
  const urn = typeof inputs.externalId === "string" ? inputs.externalId : "";
  return urn.startsWith("urn:pulumi:") ? urn.slice(urn.lastIndexOf("::") + 2) : String(fallback ?? "");
}

/** Wraps a failure with what was being done to which resource: `create Project "chat-prod": …`. */
export async function withContext<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // The wrapped error stays reachable as `cause`: its stack, and the HTTP failure under it.
    if (err instanceof TenancyError) throw Object.assign(new TenancyError(err.code, `${what}: ${err.message}`, err.extras), { cause: err });
    throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** True when `err` is the backend's answer `code`. */
export function isCode(err: unknown, ...codes: string[]): err is TenancyError {
  return err instanceof TenancyError && codes.includes(err.code);
}

/** Awaits a call whose object may be gone (404): then `undefined`, which read and delete accept. */
export async function orMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isCode(err, "not_found")) return undefined;
    throw err;
  }
}
