import { z } from "zod";
import { invalid } from "../../schema/errors";

/** Parses with a wire schema; a failure is a 400 whose `errors[]` names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error.issues, prefix);
  return result.data;
}
