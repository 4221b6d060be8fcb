import type { z } from "zod";
import type { securityPolicy, ssoView } from "../../schema/organization";
import { invalidField } from "../http/validate";
import type { SecretBox } from "./secret-box";

/**
 * The write-only SSO client secret on its way in and out of an organization: sealed before it is
 * stored, never answered, never audited (the audit says only that it was set or replaced).
 */

type Policy = z.output<typeof securityPolicy>;
const FIELD = "securityPolicy.sso.clientSecret";
/** Sealed, a secret grows by a third and a header: this keeps it within the schema's 4096. */
const MAX_PLAIN = 2048;

/** The policy as the API answers it: `clientSecretSet: true` instead of the (sealed) secret. */
export function policyView(policy: Policy): Policy & { sso: z.output<typeof ssoView> } {
  const { clientSecret, ...sso } = policy.sso;
  return { ...policy, sso: clientSecret === undefined ? sso : { ...sso, clientSecretSet: true } };
}

/** What the audit log keeps of a policy: whether a secret is kept, and whether this change replaced it. */
export function policyForAudit(policy: Policy, replaced = false): Policy {
  if (policy.sso.clientSecret === undefined) return policy;
  return { ...policy, sso: { ...policy.sso, clientSecret: replaced ? "(replaced)" : "(set)" } };
}

function seal(secrets: SecretBox | undefined, given: string): string {
  if (given.length > MAX_PLAIN) throw invalidField(FIELD, `must be at most ${MAX_PLAIN} characters, got ${given.length}`);
  return box(secrets).seal(given);
}

function box(secrets: SecretBox | undefined): SecretBox {
  if (!secrets) throw invalidField(FIELD, "cannot be kept: this backend has no TENANCY_ENCRYPTION_KEY to encrypt it with; ask its operator to set one");
  return secrets;
}

/** A created policy, its client secret (if any) sealed. */
export function sealNewPolicy(secrets: SecretBox | undefined, policy: Policy): Policy {
  const given = policy.sso.clientSecret;
  return given === undefined ? policy : { ...policy, sso: { ...policy.sso, clientSecret: seal(secrets, given) } };
}

/**
 * A patched policy: `given` is the plain secret the patch sent (undefined: none, the stored one
 * stays). The same secret sent again keeps the stored value, so a repeated PATCH (or `pulumi up`)
 * changes nothing; `replaced` says whether the stored secret changed.
 */
export function sealPatchedPolicy(secrets: SecretBox | undefined, before: Policy, after: Policy, given: unknown): { policy: Policy; replaced: boolean } {
  if (typeof given !== "string") return { policy: after, replaced: false };
  const stored = before.sso.clientSecret;
  if (stored !== undefined && openOrUndefined(box(secrets), stored) === given) return { policy: { ...after, sso: { ...after.sso, clientSecret: stored } }, replaced: false };
  return { policy: { ...after, sso: { ...after.sso, clientSecret: seal(secrets, given) } }, replaced: true };
}

function openOrUndefined(secrets: SecretBox, sealed: string): string | undefined {
  try {
    return secrets.open(sealed);
  } catch {
    return undefined;
  }
}

/** The plain client secret a merge patch carries, if any (read before the merge seals nothing). */
export function clientSecretIn(patch: Record<string, unknown>): unknown {
  const policy = patch.securityPolicy as { sso?: { clientSecret?: unknown } } | null | undefined;
  return policy && typeof policy === "object" && policy.sso && typeof policy.sso === "object" ? policy.sso.clientSecret : undefined;
}
