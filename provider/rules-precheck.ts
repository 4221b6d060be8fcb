/**
 * Rules the backend enforces when an object is created, as pure functions of plain values, so a
 * preview that knows the values refuses what the apply would (in the backend's own words) instead
 * of failing halfway through an apply. Each returns the problem with the field, or undefined.
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

/**
 * A project's `owner` who holds no `owner` membership of it: the accountable person could not
 * manage the project (the `owner-without-membership` guardrail, refused before the apply).
 */
export function ownerMembershipProblem(owner: string | undefined, members: readonly { email: string; role: string }[]): string | undefined {
  if (owner === undefined || members.some((m) => m.email === owner && m.role === "owner")) return undefined;
  return `${owner} must hold an owner membership of this project: list { email: ${owner}, role: owner } under its members, or change the owner`;
}
