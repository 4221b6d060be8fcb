/**
 * The organization settings' rules on new members and keys, as pure functions of plain values: the
 * backend refuses with them, and a `tenancy.yaml` preview (provider/rules-precheck.ts) refuses with
 * the same words before an apply could fail halfway. Each returns the problem, or undefined.
 */

/** An organization member's email outside `settings.allowedEmailDomains` (none listed: any domain). */
export function emailDomainProblem(email: string, allowedEmailDomains: readonly string[]): string | undefined {
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  if (allowedEmailDomains.length === 0 || allowedEmailDomains.includes(domain)) return undefined;
  return `must be an address at ${allowedEmailDomains.join(", ")} (settings.allowedEmailDomains)`;
}

/** A key's `expiresInDays` over the organization's `settings.apiKeyMaxLifetimeDays`. */
export function keyLifetimeProblem(expiresInDays: number | undefined, apiKeyMaxLifetimeDays: number | undefined): string | undefined {
  if (expiresInDays === undefined || apiKeyMaxLifetimeDays === undefined || expiresInDays <= apiKeyMaxLifetimeDays) return undefined;
  return `must be at most ${apiKeyMaxLifetimeDays} days (settings.apiKeyMaxLifetimeDays)`;
}
