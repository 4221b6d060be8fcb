import type { Executor } from "../store/db";
import { findOrgMember, insertOrgMember } from "../store/members.repository";
import type { OrgRecord } from "../store/organizations.repository";
import type { UserRow } from "../store/tables";
import { claimsDomain, organizationsClaiming } from "./organization-providers";
import { audit, Origin } from "./sign-in.audit";

const domainOf = (email: string) => email.split("@")[1] ?? "";

/**
 * Whether the organization makes a person with this email a member at their first sign-in at its
 * provider: it claims the email's domain, enforces SSO and provisions. Adding such a person by
 * email before they ever signed in is then a membership at once, not an invitation: their
 * identity provider vouches for them, and the sign-in links them to it (members.service.ts).
 */
export function provisionsAtSignIn(org: Pick<OrgRecord, "settings" | "securityPolicy">, email: string): boolean {
  const { enforced, autoProvision } = org.securityPolicy.sso;
  return enforced && autoProvision !== undefined && claimsDomain(org, domainOf(email));
}

/**
 * Just-in-time provisioning (`securityPolicy.sso.autoProvision {role}`): at a person's first
 * sign-in, each organization that provisions their email (provisionsAtSignIn) and whose provider
 * signed them in makes them a member with that role — in the sign-in's own transaction, audited
 * `member.added` in that organization with the person as actor. Someone already a member keeps
 * their role.
 */
export async function autoProvision(trx: Executor, user: UserRow, issuer: string, origin: Origin, now: string): Promise<void> {
  for (const org of await organizationsClaiming(trx, domainOf(user.email))) {
    const { autoProvision: provision, issuer: orgIssuer } = org.securityPolicy.sso;
    if (!provisionsAtSignIn(org, user.email) || !provision || orgIssuer !== issuer) continue;
    if (await findOrgMember(trx, org.id, user.id)) continue;
    await insertOrgMember(trx, { user_id: user.id, organization_id: org.id, role: provision.role, external_id: null, version: 1, created_at: now, updated_at: now });
    await audit(trx, origin, "member.added", user, { email: user.email, role: provision.role, provisionedBy: "securityPolicy.sso.autoProvision" }, org.id);
  }
}
