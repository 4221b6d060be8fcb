import { TenancyError } from "../../schema/errors";
import { ID_PREFIX } from "../../schema/common";
import type { OrgRole } from "../../schema/organization";
import type { ProjectRole } from "../../schema/project";
import type { Executor } from "../store/db";
import { findOrgMember } from "../store/members.repository";
import { findOrganizationWithRole, lockOrganization, OrgRecord } from "../store/organizations.repository";
import { findProjectWithRole, ProjectRecord } from "../store/projects.repository";
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
 * token age, idle timeout, SSO, MFA), enforced here and only here. Inside a write transaction the row is
 * locked first and the role read under that lock, so no decision rests on a role changed by a
 * concurrent request. Only the request pipeline calls this.
 */
export async function resolveOrganization(ctx: Ctx, db: Executor, orgId: string, lock: boolean): Promise<OrgAccess> {
  if (!isIdOf("organization", orgId)) throw notFound("organization", orgId);
  const found = lock ? await lockedWithRole(ctx, db, orgId) : await readWithRole(ctx, db, orgId);
  if (!found?.role) throw notFound("organization", orgId);
  const refusal = policyRefusal(found.org, ctx);
  if (refusal) throw refusal;
  return { org: found.org, orgRole: found.role as OrgRole };
}

/** Reads may take the caller's standing from the instance's short cache (never writes). */
function readWithRole(ctx: Ctx, db: Executor, orgId: string) {
  const userId = ctx.caller.user.id;
  const load = () => findOrganizationWithRole(db, orgId, userId);
  return ctx.authCache ? ctx.authCache.get(`org:${orgId}:${userId}`, Date.parse(ctx.now), load) : load();
}

/** Writes lock the organization row first, then read the role under that lock. */
async function lockedWithRole(ctx: Ctx, db: Executor, orgId: string) {
  const org = await lockOrganization(db, ctx.store.dialect, orgId);
  return org && { org, role: (await findOrgMember(db, orgId, ctx.caller.user.id))?.role };
}

/** A project of an organization the caller already stands in: 404 unless they may see it. */
export async function resolveProject(ctx: Ctx, db: Executor, access: OrgAccess, projectId: string): Promise<ProjectAccess> {
  if (!isIdOf("project", projectId)) throw notFound("project", projectId);
  const found = await findProjectWithRole(db, projectId, ctx.caller.user.id);
  if (!found || found.project.organization_id !== access.org.id) throw notFound("project", projectId);
  if (!found.role && !policy.seeAllProjects(access)) throw notFound("project", projectId);
  return { ...access, project: found.project, projectRole: found.role as ProjectRole | undefined };
}

/** Archived projects stay readable (history, redacted keys) but accept no more changes. */
export function assertProjectActive(project: ProjectRecord): void {
  if (project.status !== "active") throw new TenancyError("invalid_request", `project ${project.id} is archived; archived projects are read-only`);
}
