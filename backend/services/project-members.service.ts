import type { z } from "zod";
import type { Membership } from "../../schema/membership";
import { projectMemberInput, projectMemberPatch } from "../../schema/membership";
import { notFound, ProjectAccess } from "../auth/access";
import { allow, mayGrantProjectRole } from "../auth/policy";
import { mergeAndValidate } from "../http/merge-patch";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import { deleteProjectMember, findOrgMember, findProjectMember, listProjectMembers, MemberFilter, ProjectMemberView, setProjectMemberRole } from "../store/members.repository";
import { findUserByEmail } from "../store/users.repository";
import { findPendingInvitation } from "../store/invitations.repository";
import type { Invitation } from "../../schema/invitation";
import { inviteToProject } from "./invitations.service";
import type { PageRequest } from "../store/page";
import { assertNoActiveKeys } from "./api-keys.service";
import { addMembership } from "./add-membership.service";
import { recordAudit } from "./audit.service";
import { compact, Ctx } from "./context";
import { takeOverMembership } from "./members.service";
import { assertMembershipExternalIdFree, memberExists, toMembership } from "./membership-rules";

export function listMembersOfProject(db: Executor, access: ProjectAccess, filter: MemberFilter, page: PageRequest) {
  return listProjectMembers(db, access.project.id, filter, page);
}

export async function findProjectMembership(db: Executor, access: ProjectAccess, userId: string): Promise<ProjectMemberView> {
  const m = await findProjectMember(db, access.project.id, userId);
  if (!m) throw notFound("member", userId);
  return m;
}

/** What adding a project member did: the membership, or the invitation the project joined. */
export type AddedToProject = { membership: Membership; invitation?: undefined } | { invitation: Invitation; membership?: undefined };

/**
 * Only members of the organization can join one of its projects (so never another org's service
 * account). A person with no account whom the organization invited gets the project in that
 * invitation instead, granted when they accept.
 */
export async function addProjectMember(ctx: Ctx, db: Executor, access: ProjectAccess, input: z.output<typeof projectMemberInput>): Promise<AddedToProject> {
  const { project } = access;
  const orgId = project.organization_id;
  allow(mayGrantProjectRole(access, input.role), `grant the role ${input.role}`);
  const user = await findUserByEmail(db, input.email);
  if (!user) {
    const pending = await findPendingInvitation(db, orgId, input.email, ctx.now);
    if (pending) {
      await assertMembershipExternalIdFree(db, "project_members", { column: "project_id", id: project.id }, input.externalId);
      return { invitation: await inviteToProject(ctx, db, pending, { projectId: project.id, role: input.role, externalId: input.externalId }) };
    }
    throw invalidField(
      "email",
      `must be a member of organization ${orgId} first; ${input.email} has no account and no pending invitation to it: add them to the organization first (POST /v1/organizations/${orgId}/members invites them), then add them here, which adds this project to that invitation`,
    );
  }
  if (!(await findOrgMember(db, orgId, user.id))) {
    throw invalidField("email", `must be a member of organization ${orgId} first (POST /v1/organizations/${orgId}/members)`);
  }
  const existing = await findProjectMember(db, project.id, user.id);
  if (existing) throw memberExists(existing, `project ${project.id}`);
  await assertMembershipExternalIdFree(db, "project_members", { column: "project_id", id: project.id }, input.externalId);
  await addMembership(ctx, db, { organizationId: orgId, projectId: project.id, user, role: input.role, externalId: input.externalId });
  return { membership: toMembership((await findProjectMember(db, project.id, user.id))!) };
}

/** `member` is the route's target: found and its version checked by the pipeline, in an active project. */
export async function changeProjectMemberRole(ctx: Ctx, db: Executor, access: ProjectAccess, member: ProjectMemberView, patch: Record<string, unknown>): Promise<Membership> {
  const { project } = access;
  const userId = member.user_id;
  const input = mergeAndValidate(projectMemberPatch, { role: member.role }, patch);
  allow(mayGrantProjectRole(access, input.role), `grant the role ${input.role}`);
  const takenOver = await takeOverMembership(ctx, db, "project_members", { column: "project_id", id: project.id }, member, input.externalId);
  if (input.role === member.role && !takenOver) return toMembership(member);
  if (input.role !== member.role) {
    await setProjectMemberRole(db, project.id, userId, input.role, ctx.now);
    await recordAudit(ctx, db, { organizationId: project.organization_id, projectId: project.id, action: "member.role_changed", target: { type: "user", id: userId }, changes: { role: { from: member.role, to: input.role } } });
  }
  return toMembership((await findProjectMember(db, project.id, userId))!);
}

/** Refused while the member owns active keys here (409 naming them), never a silent revoke. */
export async function removeProjectMember(ctx: Ctx, db: Executor, access: ProjectAccess, member: ProjectMemberView): Promise<void> {
  const { project } = access;
  const userId = member.user_id;
  await assertNoActiveKeys(ctx, db, { projectId: project.id, ownerUserId: userId }, member.email);
  await deleteProjectMember(db, project.id, userId);
  await recordAudit(ctx, db, { organizationId: project.organization_id, projectId: project.id, action: "member.removed", target: { type: "user", id: userId }, changes: compact({ role: { from: member.role, to: null } }) });
}
