import type { Executor } from "../store/db";
import { findOrgMember, insertOrgMember } from "../store/members.repository";
import type { UserRow } from "../store/tables";
import { organizationsClaiming } from "./organization-providers";
import { audit, Origin } from "./sign-in.audit";

/**
 * Just-in-time provisioning (`securityPolicy.sso.autoProvision {role}`): at a person's first
 * sign-in, each organization that lists their email's domain, enforces SSO and provisions, and
 * whose provider signed them in, makes them a member with that role — in the sign-in's own
 * transaction, audited `member.added` in that organization with the person as actor. Someone
 * already a member keeps their role.
 */
export async function autoProvision(trx: Executor, user: UserRow, issuer: string, origin: Origin, now: string): Promise<void> {
  const domain = user.email.split("@")[1] ?? "";
  for (const org of await organizationsClaiming(trx, domain)) {
    const { enforced, autoProvision: provision, issuer: orgIssuer } = org.securityPolicy.sso;
    if (!enforced || !provision || orgIssuer !== issuer) continue;
    if (await findOrgMember(trx, org.id, user.id)) continue;
    await insertOrgMember(trx, { user_id: user.id, organization_id: org.id, role: provision.role, external_id: null, version: 1, created_at: now, updated_at: now });
    await audit(trx, origin, "member.added", user, { email: user.email, role: provision.role, provisionedBy: "securityPolicy.sso.autoProvision" }, org.id);
  }
}
