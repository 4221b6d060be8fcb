import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { Finding, RULES, Severity } from "../guardrails/rules";

/**
 * The provider's own configuration as a pull request may change it: `tenancy:endpoint` (where
 * the next `up` sends the deploy token) and `tenancy:token` (whose token it is). Neither shows in
 * a preview's steps, so the review compares the stack's settings in the base branch's checkout
 * (`--base-cwd`) with the pull request's: any change is mandatory.
 */

const KEYS = ["tenancy:endpoint", "tenancy:token"] as const;

/** The stack's settings of those keys: project-level defaults (Pulumi.yaml), then the stack file. */
export function providerConfig(dir: string, stack: string): Record<string, string | undefined> {
  const read = (file: string) => (existsSync(join(dir, file)) ? (parse(readFileSync(join(dir, file), "utf8")) ?? {}) : {});
  const project = (read("Pulumi.yaml").config ?? {}) as Record<string, unknown>;
  const stackFile = (read(`Pulumi.${stack}.yaml`).config ?? {}) as Record<string, unknown>;
  const value = (v: unknown) => (v === undefined ? undefined : JSON.stringify(typeof v === "object" && v && "default" in v ? (v as { default: unknown }).default : v));
  return Object.fromEntries(KEYS.map((k) => [k, value(stackFile[k] ?? project[k])]));
}

export function providerConfigFindings(base: Record<string, string | undefined>, head: Record<string, string | undefined>, stack: string): Finding[] {
  return KEYS.filter((k) => base[k] !== head[k]).map((k) => ({
    rule: "provider-config-changed",
    severity: RULES["provider-config-changed"].severity as Severity,
    subject: `stack ${stack}`,
    // The token's value is a secret (ciphertext here); only the endpoint is shown.
    message: k === "tenancy:endpoint" ? `tenancy:endpoint changes: ${base[k] ?? "(not set)"} → ${head[k] ?? "(not set)"}; the next up sends the deploy token there` : "tenancy:token changes: the next up runs with another token",
    fix: `change ${k} only in a reviewed change of its own, and check where it points`,
  }));
}
