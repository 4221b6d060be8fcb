import { z } from "zod";

/**
 * The one reading of zod issues, for the API's `errors[]`, the provider's check failures and
 * `tenancy.yaml`'s problems alike: one entry per offending field (an issue naming several
 * unknown keys becomes one per key), its path as segments, and a lowercase message that says
 * what would be valid. Each caller only renders the path its own way.
 */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
  /** The field is not one the schema knows. */
  unknown: boolean;
}

export function fieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue): FieldIssue[] => {
    const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}"`, unknown: true }));
    }
    return [{ path, message: readable(issue.message), unknown: false }];
  });
}

/** `billing.plan`, `securityPolicy.ipAllowlist.0`: how the API and Pulumi name a nested field. */
export function dottedPath(path: readonly (string | number)[]): string {
  return path.map(String).join(".");
}

function readable(message: string): string {
  if (/received undefined$/.test(message)) return "is required";
  return message.charAt(0).toLowerCase() + message.slice(1);
}
