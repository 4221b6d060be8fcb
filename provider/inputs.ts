import { z } from "zod";
import { TenancyError } from "../schema/errors";

/**
 * What every resource does with its inputs: validate them with the shared schemas (letting
 * values not known during a preview through), compare them for `diff`, and turn a change into a
 * JSON merge patch. Runs only in the provider host, never serialized.
 */

/** The value Pulumi sends for inputs not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;
export interface CheckFailure {
  property: string;
  reason: string;
}

/** One validation of `news` by the resource's schemas: the provider's own fields, then the API's. */
export interface InputSpec {
  /** Fields only the provider knows (`organizationId`, `adopt`, …), validated with `own`. */
  own: z.ZodType;
  ownKeys: readonly string[];
  /** The API's body schema for the rest; may depend on the provider fields (membership roles). */
  api(news: Props): z.ZodType;
}

/** Validates `news`, reporting every failure by property; unknown values pass. */
export function checkInputs(spec: InputSpec, news: Props): { inputs: Props; failures: CheckFailure[] } {
  const clean = withoutProvider(news);
  const own = pick(clean, spec.ownKeys);
  const api = omit(clean, spec.ownKeys);
  const unknown = unknownPaths(clean);
  const failures: CheckFailure[] = [];
  const ownResult = spec.own.safeParse(own);
  const apiResult = spec.api(clean).safeParse(api);
  for (const result of [ownResult, apiResult]) {
    if (result.success) continue;
    for (const issue of result.error.issues) {
      const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      for (const path of paths) {
        if (unknown.some((u) => isPrefix(u, path) || isPrefix(path, u))) continue;
        const reason = issue.code === "unrecognized_keys" ? `unknown property; valid ones are ${validKeys(spec, clean)}` : issue.message;
        failures.push({ property: path.map(String).join(".") || "(inputs)", reason });
      }
    }
  }
  if (failures.length > 0 || !ownResult.success || !apiResult.success) return { inputs: news, failures };
  return { inputs: { ...(ownResult.data as Props), ...(apiResult.data as Props) }, failures };
}

function validKeys(spec: InputSpec, news: Props): string {
  const shape = (s: z.ZodType) => Object.keys((s as unknown as { shape?: object }).shape ?? {});
  return [...shape(spec.own), ...shape(spec.api(news))].filter((k) => k !== "externalId").join(", ");
}

function unknownPaths(v: unknown, path: PropertyKey[] = []): PropertyKey[][] {
  if (v === UNKNOWN) return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => unknownPaths(x, [...path, i]));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => unknownPaths(x, [...path, k]));
  return [];
}

function isPrefix(a: PropertyKey[], b: PropertyKey[]): boolean {
  return a.length <= b.length && a.every((s, i) => String(s) === String(b[i]));
}

/** True when any input (at any depth) is not known yet. */
export function hasUnknowns(props: Props): boolean {
  return unknownPaths(props).length > 0;
}

export function withoutProvider(props: Props): Props {
  const { __provider: _, ...rest } = props;
  return rest;
}

export function pick(props: Props, keys: readonly string[]): Props {
  return Object.fromEntries(keys.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]));
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

/**
 * The `diff` of one resource: the input fields whose value changed, and which of those replace.
 * `olds` are the old outputs (which carry the inputs they were made from), `news` the checked inputs.
 */
export function diffInputs(olds: Props, news: Props, fields: readonly string[], replacing: readonly string[]) {
  // With values not known yet, `check` could not fill defaults: compare only what the preview has.
  const compared = hasUnknowns(news) ? fields.filter((f) => news[f] !== undefined) : fields;
  const changed = compared.filter((f) => !same(olds[f], news[f]));
  const replaces = changed.filter((f) => replacing.includes(f));
  return { changes: changed.length > 0, replaces, changed };
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
    if (err instanceof TenancyError) throw new TenancyError(err.code, `${what}: ${err.message}`, err.extras);
    throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
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
