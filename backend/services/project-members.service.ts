import type { Membership } from "../../schema/membership";
import { projectMemberInput, projectMemberPatch } from "../../schema/membership";
import { assertProjectActive, isIdOf, notFound, projectAccess } from "../auth/access";
import { allow, mayGrantProjectRole, policy } from "../auth/policy";
import { checkIfMatch } from "../http/etag";
import { mergeAndValidate } from "../http/merge-patch";
import { invalidField, parseInput } from "../http/validate";
import type { Trx } from "../store/db";
import { deleteProjectMember, findOrgMember, findProjectMember, insertProjectMember, listProjectMembers, MemberFilter, setProjectMemberRole } from "../store/members.repository";
import { findUserByEmail } from "../store/users.repository";
import type { PageRequest } from "../store/page";
import { assertNoActiveKeys } from "./api-keys.service";
import { recordAudit } from "./audit.service";
import { compact, Ctx, transaction } from "./context";
import { assertMembershipExternalIdFree, memberExists, toMembership } from "./members.service";

export async function listMembersOfProject(ctx: Ctx, orgId: string, projectId: string, filter: MemberFilter, page: PageRequest) {
  await projectAccess(ctx, ctx.store.db, orgId, projectId);
  return listProjectMembers(ctx.store.db, projectId, filter, page);
}

export async function getProjectMember(ctx: Ctx, orgId: string, projectId: string, userId: string): Promise<Membership> {
  await projectAccess(ctx, ctx.store.db, orgId, projectId);
  const m = isIdOf("user", userId) ? await findProjectMember(ctx.store.db, projectId, userId) : undefined;
  if (!m) throw notFound("member", userId);
  return toMembership(m);
}

/** Only members of the organization can join one of its projects. */
export async function addProjectMember(ctx: Ctx, trx: Trx, orgId: string, projectId: string, body: unknown): Promise<Membership> {
  const access = await projectAccess(ctx, trx, orgId, projectId, { lock: true });
  allow(policy.manageProjectMembers(access), "add members to this project");
  const input = parseInput(projectMemberInput, body);
  allow(mayGrantProjectRole(access, input.role), `grant the role ${input.role}`);
  assertProjectActive(access.project);
  const user = await findUserByEmail(trx, input.email);
  if (!user || !(await findOrgMember(trx, orgId, user.id))) {
    const message = `must be a member of organization ${orgId} first (POST /v1/organizations/${orgId}/members)`;
    throw invalidField("email", message);
  }
  const existing = await findProjectMember(trx, projectId, user.id);
  if (existing) throw memberExists(existing, `project ${projectId}`);
  await assertMembershipExternalIdFree(trx, "project_members", { column: "project_id", id: projectId }, input.externalId);
  await insertProjectMember(trx, {
    project_id: projectId,
    user_id: user.id,
    organization_id: orgId,
    role: input.role,
    external_id: input.externalId ?? null,
    version: 1,
    created_at: ctx.now,
    updated_at: ctx.now,
  });
  await recordAudit(ctx, trx, {
    organizationId: orgId,
    projectId,
    action: "member.added",
    target: { type: "user", id: user.id },
    changes: { email: { from: null, to: user.email }, role: { from: null, to: input.role } },
  });
  return toMembership((await findProjectMember(trx, projectId, user.id))!);
}

async function lockedProjectMember(ctx: Ctx, trx: Trx, orgId: string, projectId: string, userId: string) {
  const access = await projectAccess(ctx, trx, orgId, projectId, { lock: true });
  const member = isIdOf("user", userId) ? await findProjectMember(trx, projectId, userId) : undefined;
  if (!member) throw notFound("member", userId);
  allow(policy.manageProjectMembers(access), "manage this project's members");
  checkIfMatch(ctx.ifMatch, member.version);
  return { access, member };
}

export async function changeProjectMemberRole(ctx: Ctx, orgId: string, projectId: string, userId: string, body: unknown): Promise<Membership> {
  await getProjectMember(ctx, orgId, projectId, userId);
  return transaction(ctx, async (trx) => {
    const { access, member } = await lockedProjectMember(ctx, trx, orgId, projectId, userId);
    const input = mergeAndValidate(projectMemberPatch, { role: member.role }, body);
    allow(mayGrantProjectRole(access, input.role), `grant the role ${input.role}`);
    assertProjectActive(access.project);
    if (input.role === member.role) return toMembership(member);
    await setProjectMemberRole(trx, projectId, userId, input.role, ctx.now);
    await recordAudit(ctx, trx, { organizationId: orgId, projectId, action: "member.role_changed", target: { type: "user", id: userId }, changes: { role: { from: member.role, to: input.role } } });
    return toMembership((await findProjectMember(trx, projectId, userId))!);
  });
}

/** Refused while the member owns active keys here (409 naming them), never a silent revoke. */
export async function removeProjectMember(ctx: Ctx, orgId: string, projectId: string, userId: string): Promise<void> {
  await getProjectMember(ctx, orgId, projectId, userId);
  await transaction(ctx, async (trx) => {
    const { member } = await lockedProjectMember(ctx, trx, orgId, projectId, userId);
    await assertNoActiveKeys(ctx, trx, { projectId, ownerUserId: userId }, member.email);
    await deleteProjectMember(trx, projectId, userId);
    await recordAudit(ctx, trx, { organizationId: orgId, projectId, action: "member.removed", target: { type: "user", id: userId }, changes: compact({ role: { from: member.role, to: null } }) });
  });
}
