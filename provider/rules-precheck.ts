/**
 * Rules the backend enforces when an object is created, as pure functions of plain values, so a
 * preview that knows the values refuses what the apply would (in the backend's own words) instead
 * of failing halfway through an apply. Each returns the problem with the field, or undefined.
 */

// The organization rules the backend applies itself live in schema/, shared by both sides.
export { emailDomainProblem, keyLifetimeProblem } from "../schema/organization-rules";

/**
 * A project's `owner` who holds no `owner` membership of it: the accountable person could not
 * manage the project (the `owner-without-membership` guardrail, refused before the apply).
 */
export function ownerMembershipProblem(owner: string | undefined, members: readonly { email: string; role: string }[]): string | undefined {
  if (owner === undefined || members.some((m) => m.email === owner && m.role === "owner")) return undefined;
  return `${owner} must hold an owner membership of this project: list { email: ${owner}, role: owner } under its members, or change the owner`;
}
