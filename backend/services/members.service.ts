import type { Membership } from "../../schema/membership";
import { orgMemberInput, orgMemberPatch } from "../../schema/membership";
import type { z } from "zod";
import { TenancyError } from "../../schema/errors";
import type { OrgRole } from "../../schema/organization";
import { notFound, OrgAccess } from "../auth/access";
import { allow, mayGrantOrgRole } from "../auth/policy";
import { mergeAndValidate } from "../http/merge-patch";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import {
  countAdmins,
  deleteOrgMember,
  deleteProjectMember,
  findOrgMember,
  listOrgMembers,
  listUserProjectMemberships,
  MemberFilter,
  OrgMemberView,
  setMembershipExternalId,
  setOrgMemberRole,
  MembershipScope,
  MembershipTable,
} from "../store/members.repository";
import { listUnrevokedTokens } from "../store/tokens.repository";
import { ensurePerson, findUserByEmail } from "../store/users.repository";
import type { PageRequest } from "../store/page";
import { addMembership } from "./add-membership.service";
import { recordAudit } from "./audit.service";
import { assertNoActiveKeys } from "./api-keys.service";
import type { Ctx } from "./context";
import { revokeTokenWithAudit } from "./tokens.service";
import { provisionsAtSignIn } from "../sign-in/auto-provision";
import { assertNoPendingInvitation, inviteNewMember, SentInvitation } from "./invitations.service";
import { assertEmailDomain, assertMembershipExternalIdFree, memberExists, toMembership } from "./membership-rules";

/** Row → API membership, for both scopes (a project membership carries `projectId`). */
export function listMembers(db: Executor, orgId: string, filter: MemberFilter, page: PageRequest) {
  return listOrgMembers(db, orgId, filter, page);
}

export async function findMember(db: Executor, orgId: string, userId: string): Promise<OrgMemberView> {
  const m = await findOrgMember(db, orgId, userId);
  if (!m) throw notFound("member", userId);
  return m;
}

/**
 * Marks `member` as declared by the deployment of `externalId` (a take-over), when it is not yet;
 * answers whether it changed. Refused with 409 when another membership of the scope holds it.
 */
export async function takeOverMembership(ctx: Ctx, db: Executor, table: MembershipTable, scope: MembershipScope, member: { user_id: string; external_id: string | null }, externalId: string | undefined): Promise<boolean> {
  if (externalId === undefined || externalId === member.external_id) return false;
  await assertMembershipExternalIdFree(db, table, scope, externalId);
  await setMembershipExternalId(db, table, scope, member.user_id, externalId, ctx.now);
  return true;
}

/** What adding a member by email did: the membership, or the invitation of a person with no account. */
export type Added = { membership: Membership; invitation?: undefined } | { invitation: SentInvitation; membership?: undefined };

/**
 * Adds a person who has an account (a user row: any sign-in, a host-minted token, an accepted
 * invitation, an earlier add). A person without one is invited instead, so nobody is granted a
 * role without consent — unless the organization provisions the email's domain at sign-in
 * (provisionsAtSignIn): its identity provider vouches for them, the membership is made now and
 * their first sign-in links to it. A service account can never join another organization.
 */
export async function addMember(ctx: Ctx, db: Executor, access: OrgAccess, input: z.output<typeof orgMemberInput>): Promise<Added> {
  const orgId = access.org.id;
  allow(mayGrantOrgRole(access, input.role), `grant the role ${input.role}`);
  // One of this organization's own members (its service accounts included) is a 409 as DESIGN.md says.
  const known = await findUserByEmail(db, input.email);
  const member = known && (await findOrgMember(db, orgId, known.id));
  if (member) throw memberExists(member, `organization ${orgId}`);
  assertEmailDomain(access.org.settings.allowedEmailDomains, input.email);
  if (!known && !provisionsAtSignIn(access.org, input.email)) {
    await assertNoPendingInvitation(ctx, db, orgId, input.email);
    await assertMembershipExternalIdFree(db, "org_members", { column: "organization_id", id: orgId }, input.externalId);
    return { invitation: await inviteNewMember(ctx, db, orgId, input) };
  }
  const user = await ensurePerson(db, input.email, ctx.now);
  if (user.kind !== "person") throw invalidField("email", "must be a person's address; service accounts belong to the one organization that created them");
  const existing = await findOrgMember(db, orgId, user.id);
  if (existing) throw memberExists(existing, `organization ${orgId}`);
  await assertMembershipExternalIdFree(db, "org_members", { column: "organization_id", id: orgId }, input.externalId);
  await addMembership(ctx, db, { organizationId: orgId, user, role: input.role, externalId: input.externalId });
  return { membership: toMembership((await findOrgMember(db, orgId, user.id))!) };
}

/** Demoting or removing the last admin would lock the organization out: 409 `last_admin`. */
async function assertNotLastAdmin(db: Executor, orgId: string, member: OrgMemberView, what: string) {
  if (member.role === "admin" && (await countAdmins(db, orgId)) <= 1) {
    throw new TenancyError("last_admin", `${member.email} is the last admin of organization ${orgId} and cannot be ${what}; make another member admin first`);
  }
}

/** `member` is the route's target: found and its version checked by the pipeline. */
export async function changeMemberRole(ctx: Ctx, db: Executor, access: OrgAccess, member: OrgMemberView, patch: Record<string, unknown>): Promise<Membership> {
  const orgId = access.org.id;
  const userId = member.user_id;
  const input = mergeAndValidate(orgMemberPatch, { role: member.role }, patch);
  allow(mayGrantOrgRole(access, input.role), `grant the role ${input.role}`);
  const takenOver = await takeOverMembership(ctx, db, "org_members", { column: "organization_id", id: orgId }, member, input.externalId);
  if (input.role === member.role && !takenOver) return toMembership(member);
  if (input.role !== member.role) {
    if (input.role !== "admin") await assertNotLastAdmin(db, orgId, member, "demoted");
    await setOrgMemberRole(db, orgId, userId, input.role, ctx.now);
    await recordAudit(ctx, db, { organizationId: orgId, action: "member.role_changed", target: { type: "user", id: userId }, changes: { role: { from: member.role, to: input.role } } });
  }
  return toMembership((await findOrgMember(db, orgId, userId))!);
}

/**
 * Removes the member and their project memberships. Refused while they own active keys in any
 * of the organization's projects: revoking them would be a hidden side effect.
 */
export async function removeMember(ctx: Ctx, db: Executor, access: OrgAccess, member: OrgMemberView): Promise<void> {
  const orgId = access.org.id;
  const userId = member.user_id;
  await assertNotLastAdmin(db, orgId, member, "removed");
  await assertNoActiveKeys(ctx, db, { organizationId: orgId, ownerUserId: userId }, member.email);
  for (const pm of await listUserProjectMemberships(db, orgId, userId)) {
    await deleteProjectMember(db, pm.project_id, userId);
    await recordAudit(ctx, db, { organizationId: orgId, projectId: pm.project_id, action: "member.removed", target: { type: "user", id: userId }, changes: { role: { from: pm.role, to: null } } });
  }
  await deleteOrgMember(db, orgId, userId);
  // A service account exists only for its organization: out of it, its tokens have no use.
  if (member.kind === "service_account") {
    for (const token of await listUnrevokedTokens(db, userId)) await revokeTokenWithAudit(ctx, db, orgId, token.id);
  }
  await recordAudit(ctx, db, { organizationId: orgId, action: "member.removed", target: { type: "user", id: userId }, changes: { role: { from: member.role as OrgRole, to: null } } });
}
