import { TenancyError } from "../../schema/errors";
import { ID_PREFIX } from "../../schema/common";
import type { OrgRole } from "../../schema/organization";
import type { ProjectRole } from "../../schema/project";
import type { Executor } from "../store/db";
import { findOrgMember, findProjectMember } from "../store/members.repository";
import { findLiveOrganization, lockOrganization, OrgRecord } from "../store/organizations.repository";
import { findProject, ProjectRecord } from "../store/projects.repository";
import type { Ctx } from "../services/context";
import { policyRefusal } from "./org-policy";
import { policy, Roles } from "./policy";

/**
 * Visibility: anything the caller may not see is a 404 with the very body a missing or malformed
 * id gets, so no answer tells one tenant whether another tenant's object exists.
 */
export function notFound(kind: string, id: string): TenancyError {
  return new TenancyError("not_found", `${kind} ${JSON.stringify(id)} not found`);
}

const ID_RE = /^[A-Za-z0-9]{8,40}$/;
export function isIdOf(kind: keyof typeof ID_PREFIX, id: string): boolean {
  const prefix = `${ID_PREFIX[kind]}_`;
  return id.startsWith(prefix) && ID_RE.test(id.slice(prefix.length));
}

export interface OrgAccess extends Roles {
  org: OrgRecord;
  orgRole: OrgRole;
}

export interface ProjectAccess extends OrgAccess {
  project: ProjectRecord;
  projectRole?: ProjectRole;
}

/**
 * The caller's standing in an organization, or 404; then the organization's policy (IP allowlist,
 * token age, idle timeout), enforced here and only here. Inside a write transaction the row is
 * locked first and the role read under that lock, so no decision rests on a role changed by a
 * concurrent request. Only the request pipeline calls this.
 */
export async function resolveOrganization(ctx: Ctx, db: Executor, orgId: string, lock: boolean): Promise<OrgAccess> {
  if (!isIdOf("organization", orgId)) throw notFound("organization", orgId);
  const org = lock ? await lockOrganization(db, ctx.store.dialect, orgId) : await findLiveOrganization(db, orgId);
  if (!org) throw notFound("organization", orgId);
  const member = await findOrgMember(db, orgId, ctx.caller.user.id);
  if (!member) throw notFound("organization", orgId);
  const refusal = policyRefusal(org, ctx.caller, ctx.ip, Date.parse(ctx.now));
  if (refusal) throw refusal;
  return { org, orgRole: member.role as OrgRole };
}

/** A project of an organization the caller already stands in: 404 unless they may see it. */
export async function resolveProject(ctx: Ctx, db: Executor, access: OrgAccess, projectId: string): Promise<ProjectAccess> {
  if (!isIdOf("project", projectId)) throw notFound("project", projectId);
  const project = await findProject(db, projectId);
  if (!project || project.organization_id !== access.org.id) throw notFound("project", projectId);
  const member = await findProjectMember(db, projectId, ctx.caller.user.id);
  if (!member && !policy.seeAllProjects(access)) throw notFound("project", projectId);
  return { ...access, project, projectRole: member?.role as ProjectRole | undefined };
}

/** Archived projects stay readable (history, redacted keys) but accept no more changes. */
export function assertProjectActive(project: ProjectRecord): void {
  if (project.status !== "active") throw new TenancyError("invalid_request", `project ${project.id} is archived; archived projects are read-only`);
}
