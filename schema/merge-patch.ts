import { z } from "zod";

/** A JSON merge patch (RFC 7396) of `T`: every field optional, `null` deletes, nested objects patched the same way. */
export type MergePatch<T> = { [K in keyof T]?: PatchOf<Exclude<T[K], undefined>> | null };
type PatchOf<V> = V extends readonly unknown[] ? V : V extends Record<string, unknown> ? MergePatch<V> : V;

function unwrap(s: z.ZodType): z.ZodType {
  let inner = s;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner._zod.def.innerType as z.ZodType;
  return inner;
}

/**
 * The schema of a JSON merge patch of `schema`'s objects: every field optional, `null` to delete,
 * nested objects patched the same way, no defaults (a patch must not reset what it omits). The
 * pipeline validates a PATCH body with it (unknown fields, wrong types) before the handler; the
 * merged result is then validated in full by `mergeAndValidate` (backend/http/merge-patch.ts).
 */
export function mergePatchOf<S extends z.ZodObject>(schema: S): z.ZodType<MergePatch<z.output<S>>, MergePatch<z.input<S>>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const inner = unwrap(field);
    let patch: z.ZodType = inner;
    if (inner instanceof z.ZodObject) patch = mergePatchOf(inner);
    else if (inner instanceof z.ZodRecord) patch = z.record(inner._zod.def.keyType as z.ZodString, (inner._zod.def.valueType as z.ZodType).nullable());
    shape[key] = patch.nullable().optional();
  }
  return z.strictObject(shape) as unknown as z.ZodType<MergePatch<z.output<S>>, MergePatch<z.input<S>>>;
}
