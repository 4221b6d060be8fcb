import { z } from "zod";
import { canonicalJson } from "../../schema/canonical-json";
import { invalidField, parseInput } from "./validate";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7396: objects merge key by key, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** The audit `changes` of two versions of an object: `{field: {from, to}}`, top-level fields only. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (canonicalJson(before[key]) !== canonicalJson(after[key])) changes[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return changes;
}

/**
 * Applies a merge patch to the client-editable view of an object and validates the result with
 * the same schema a create uses, so a patch can never produce what a create would refuse.
 */
export function mergeAndValidate<S extends z.ZodType>(schema: S, current: Record<string, unknown>, patch: unknown): z.output<S> {
  if (!isObject(patch)) {
    throw invalidField("(body)", "must be a JSON object (a JSON merge patch)");
  }
  return parseInput(schema, applyMergePatch(current, patch));
}
