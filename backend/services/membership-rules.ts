import type { Membership } from "../../schema/membership";
import { SERVICE_ACCOUNT_EMAIL_DOMAIN } from "../../schema/membership";
import { TenancyError } from "../../schema/errors";
import { emailDomainProblem } from "../../schema/organization-rules";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import { findMembershipUserByExternalId, findOrgMember, findProjectMember, MembershipScope, MembershipTable, OrgMemberView, ProjectMemberView } from "../store/members.repository";
import { compact } from "./context";

/**
 * What a membership is on the wire, and the checks every way of adding one makes (a member, a
 * project member, a service account, an invitation): shared here so that members.service.ts and
 * invitations.service.ts need not import each other.
 */

export function toMembership(m: OrgMemberView | ProjectMemberView): Membership {
  return compact({
    userId: m.user_id,
    email: m.email,
    kind: m.kind,
    name: m.name,
    role: m.role as Membership["role"],
    organizationId: m.organization_id,
    projectId: "project_id" in m ? m.project_id : undefined,
    externalId: m.external_id,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    version: m.version,
  });
}

export function memberExists(existing: OrgMemberView | ProjectMemberView, scope: string): TenancyError {
  return new TenancyError("member_exists", `${existing.email} is already a member of ${scope} with role ${existing.role}`, { existing: toMembership(existing) });
}

export function assertEmailDomain(allowed: readonly string[], email: string): void {
  const domain = email.slice(email.lastIndexOf("@") + 1);
  if (domain === SERVICE_ACCOUNT_EMAIL_DOMAIN) {
    // Refused by domain, whether or not the account exists: no answer reveals another org's accounts.
    throw invalidField("email", `must be a person's address; service accounts (…@${SERVICE_ACCOUNT_EMAIL_DOMAIN}) belong to the one organization that created them`);
  }
  const outside = emailDomainProblem(email, allowed);
  if (outside) throw invalidField("email", outside);
}

export async function assertMembershipExternalIdFree(db: Executor, table: MembershipTable, scope: MembershipScope, externalId?: string) {
  if (externalId === undefined) return;
  const clash = await findMembershipUserByExternalId(db, table, scope, externalId);
  if (!clash) return;
  // The membership holding it is visible to whoever may add members here: it goes in `existing`.
  const holder = table === "org_members" ? await findOrgMember(db, scope.id, clash) : await findProjectMember(db, scope.id, clash);
  throw new TenancyError("external_id_taken", `externalId ${JSON.stringify(externalId)} is already used by the membership of ${clash}`, holder ? { existing: toMembership(holder) } : {});
}
