import { z } from "zod";
import { invalid, invalidFields, TenancyError } from "../../schema/errors";
import { inSlices } from "./slices";

/** Parses with a wire schema; a failure is a 400 whose `errors[]` names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error.issues, prefix);
  return result.data;
}

/** A 400 for one named field, in the same shape as a schema failure. */
export function invalidField(path: string, message: string): TenancyError {
  return invalidFields([{ path, message }]);
}

/**
 * `parseInput` of a body whose list `field` is validated in slices of `size` items, a turn of the
 * event loop between two (slices.ts): a 1,000-event batch is otherwise one stretch of the
 * event loop that every other tenant's request waits behind. The answer is the same as
 * `parseInput`'s, value and errors alike (test/usage/sliced-validation.test.ts holds them equal):
 * the body without its items first (its keys, the list's length), where a failure of the list
 * itself is the only error, as the whole schema reports it; then the items, their errors first.
 */
export function slicedParser<S extends z.ZodObject>(schema: S, field: string, size: number): (value: unknown) => Promise<z.output<S>> {
  const list = schema instanceof z.ZodObject ? schema.shape[field] : undefined;
  if (!(list instanceof z.ZodArray)) throw new Error(`a body sliced by "${field}" needs an object schema whose "${field}" is a list`);
  const item = list.element as z.ZodType;
  const envelope = schema.extend({ [field]: z.array(z.unknown()).check(...((list._zod.def.checks ?? []) as z.core.$ZodCheck<unknown[]>[])) });
  return async (value) => {
    const outer = envelope.safeParse(value);
    if (!outer.success && outer.error.issues.some((i) => i.path.length === 1 && i.path[0] === field)) throw invalid(outer.error.issues);
    const items = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[field] : undefined;
    if (!Array.isArray(items)) throw invalid(outer.error!.issues);
    const parsed: unknown[] = [];
    const issues: z.core.$ZodIssue[] = [];
    await inSlices(items, size, (slice, start) => {
      slice.forEach((raw, k) => {
        const one = item.safeParse(raw);
        if (one.success) parsed.push(one.data);
        else for (const issue of one.error.issues) issues.push({ ...issue, path: [field, start + k, ...issue.path] });
      });
    });
    if (!outer.success) issues.push(...outer.error.issues);
    if (issues.length > 0) throw invalid(issues);
    return { ...(outer.data as object), [field]: parsed } as z.output<S>;
  };
}
