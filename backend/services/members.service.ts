import type { Membership } from "../../schema/membership";
import { orgMemberInput, orgMemberPatch } from "../../schema/membership";
import { TenancyError } from "../../schema/errors";
import type { OrgRole } from "../../schema/organization";
import { notFound, orgAccess, isIdOf } from "../auth/access";
import { allow, mayGrantOrgRole, policy } from "../auth/policy";
import { checkIfMatch } from "../http/etag";
import { mergeAndValidate } from "../http/merge-patch";
import { invalidField, parseInput } from "../http/validate";
import type { Trx } from "../store/db";
import {
  countAdmins,
  deleteOrgMember,
  deleteProjectMember,
  findOrgMember,
  insertOrgMember,
  listOrgMembers,
  listUserProjectMemberships,
  MemberFilter,
  OrgMemberView,
  ProjectMemberView,
  setOrgMemberRole,
} from "../store/members.repository";
import { listUnrevokedTokens, revokeToken } from "../store/tokens.repository";
import { ensurePerson } from "../store/users.repository";
import type { PageRequest } from "../store/page";
import { recordAudit } from "./audit.service";
import { assertNoActiveKeys } from "./api-keys.service";
import { compact, Ctx, transaction } from "./context";

/** Row → API membership, for both scopes (a project membership carries `projectId`). */
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

export async function listMembers(ctx: Ctx, orgId: string, filter: MemberFilter, page: PageRequest) {
  await orgAccess(ctx, ctx.store.db, orgId);
  return listOrgMembers(ctx.store.db, orgId, filter, page);
}

export async function getMember(ctx: Ctx, orgId: string, userId: string): Promise<Membership> {
  await orgAccess(ctx, ctx.store.db, orgId);
  const m = isIdOf("user", userId) ? await findOrgMember(ctx.store.db, orgId, userId) : undefined;
  if (!m) throw notFound("member", userId);
  return toMembership(m);
}

function assertEmailDomain(settingsJson: string, email: string): void {
  const allowed = (JSON.parse(settingsJson) as { allowedEmailDomains?: string[] }).allowedEmailDomains ?? [];
  const domain = email.slice(email.lastIndexOf("@") + 1);
  if (allowed.length > 0 && !allowed.includes(domain)) {
    const message = `must be an address at ${allowed.join(", ")} (settings.allowedEmailDomains)`;
    throw invalidField("email", message);
  }
}

export async function assertMembershipExternalIdFree(trx: Trx, table: "org_members" | "project_members", scope: { column: "organization_id" | "project_id"; id: string }, externalId?: string) {
  if (externalId === undefined) return;
  const clash = await trx.selectFrom(table).select("user_id").where(scope.column, "=", scope.id).where("external_id", "=", externalId).executeTakeFirst();
  if (clash) throw new TenancyError("external_id_taken", `externalId ${JSON.stringify(externalId)} is already used by the membership of ${clash.user_id}`);
}

export async function addMember(ctx: Ctx, trx: Trx, orgId: string, body: unknown): Promise<Membership> {
  const access = await orgAccess(ctx, trx, orgId, { lock: true });
  allow(policy.manageOrgMembers(access), "add organization members");
  const input = parseInput(orgMemberInput, body);
  allow(mayGrantOrgRole(access, input.role), `grant the role ${input.role}`);
  assertEmailDomain(access.org.settings, input.email);
  const user = await ensurePerson(trx, input.email, ctx.now);
  const existing = await findOrgMember(trx, orgId, user.id);
  if (existing) throw memberExists(existing, `organization ${orgId}`);
  await assertMembershipExternalIdFree(trx, "org_members", { column: "organization_id", id: orgId }, input.externalId);
  await insertOrgMember(trx, { organization_id: orgId, user_id: user.id, role: input.role, external_id: input.externalId ?? null, version: 1, created_at: ctx.now, updated_at: ctx.now });
  await recordAudit(ctx, trx, {
    organizationId: orgId,
    action: "member.added",
    target: { type: "user", id: user.id },
    changes: { email: { from: null, to: user.email }, role: { from: null, to: input.role } },
  });
  return toMembership((await findOrgMember(trx, orgId, user.id))!);
}

/** Demoting or removing the last admin would lock the organization out: 409 `last_admin`. */
async function assertNotLastAdmin(trx: Trx, orgId: string, member: OrgMemberView, what: string) {
  if (member.role === "admin" && (await countAdmins(trx, orgId)) <= 1) {
    throw new TenancyError("last_admin", `${member.email} is the last admin of organization ${orgId} and cannot be ${what}; make another member admin first`);
  }
}

async function lockedMember(ctx: Ctx, trx: Trx, orgId: string, userId: string) {
  const access = await orgAccess(ctx, trx, orgId, { lock: true });
  const member = isIdOf("user", userId) ? await findOrgMember(trx, orgId, userId) : undefined;
  if (!member) throw notFound("member", userId);
  return { access, member };
}

export async function changeMemberRole(ctx: Ctx, orgId: string, userId: string, body: unknown): Promise<Membership> {
  await getMember(ctx, orgId, userId);
  return transaction(ctx, async (trx) => {
    const { access, member } = await lockedMember(ctx, trx, orgId, userId);
    allow(policy.manageOrgMembers(access), "change organization roles");
    checkIfMatch(ctx.ifMatch, member.version);
    const input = mergeAndValidate(orgMemberPatch, { role: member.role }, body);
    allow(mayGrantOrgRole(access, input.role), `grant the role ${input.role}`);
    if (input.role === member.role) return toMembership(member);
    if (input.role !== "admin") await assertNotLastAdmin(trx, orgId, member, "demoted");
    await setOrgMemberRole(trx, orgId, userId, input.role, ctx.now);
    await recordAudit(ctx, trx, { organizationId: orgId, action: "member.role_changed", target: { type: "user", id: userId }, changes: { role: { from: member.role, to: input.role } } });
    return toMembership((await findOrgMember(trx, orgId, userId))!);
  });
}

/**
 * Removes the member and their project memberships. Refused while they own active keys in any
 * of the organization's projects: revoking them would be a hidden side effect.
 */
export async function removeMember(ctx: Ctx, orgId: string, userId: string): Promise<void> {
  await getMember(ctx, orgId, userId);
  await transaction(ctx, async (trx) => {
    const { access, member } = await lockedMember(ctx, trx, orgId, userId);
    allow(policy.manageOrgMembers(access), "remove organization members");
    checkIfMatch(ctx.ifMatch, member.version);
    await assertNotLastAdmin(trx, orgId, member, "removed");
    await assertNoActiveKeys(ctx, trx, { organizationId: orgId, ownerUserId: userId }, member.email);
    for (const pm of await listUserProjectMemberships(trx, orgId, userId)) {
      await deleteProjectMember(trx, pm.project_id, userId);
      await recordAudit(ctx, trx, { organizationId: orgId, projectId: pm.project_id, action: "member.removed", target: { type: "user", id: userId }, changes: { role: { from: pm.role, to: null } } });
    }
    await deleteOrgMember(trx, orgId, userId);
    // A service account exists only for its organization: out of it, its tokens have no use.
    if (member.kind === "service_account") {
      for (const token of await listUnrevokedTokens(trx, userId)) {
        await revokeToken(trx, token.id, ctx.now);
        await recordAudit(ctx, trx, { organizationId: orgId, action: "token.revoked", target: { type: "token", id: token.id }, changes: { status: { from: "active", to: "revoked" } } });
      }
    }
    await recordAudit(ctx, trx, { organizationId: orgId, action: "member.removed", target: { type: "user", id: userId }, changes: { role: { from: member.role as OrgRole, to: null } } });
  });
}
