import { z } from "zod";
import { invalid, invalidFields, TenancyError } from "../../schema/errors";

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
