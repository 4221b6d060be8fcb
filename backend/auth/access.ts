import ipaddr from "ipaddr.js";
import { TenancyError } from "../../schema/errors";
import { ID_PREFIX } from "../../schema/common";
import type { OrgRole } from "../../schema/organization";
import type { ProjectRole } from "../../schema/project";
import type { Executor } from "../store/db";
import { findOrgMember, findProjectMember } from "../store/members.repository";
import { findLiveOrganization, lockOrganization } from "../store/organizations.repository";
import { findProject } from "../store/projects.repository";
import type { OrganizationRow, ProjectRow } from "../store/tables";
import type { Ctx } from "../services/context";
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
  org: OrganizationRow;
  orgRole: OrgRole;
}

export interface ProjectAccess extends OrgAccess {
  project: ProjectRow;
  projectRole?: ProjectRole;
}

export function ipAllowed(ip: string, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  if (!ipaddr.isValid(ip)) return false;
  const addr = ipaddr.process(ip);
  return allowlist.some((cidr) => {
    const range = ipaddr.parseCIDR(cidr);
    return addr.kind() === range[0].kind() && addr.match(range);
  });
}

/** The organization's session and network policy, checked on each of its routes. */
function enforcePolicy(ctx: Ctx, org: OrganizationRow): void {
  const security = JSON.parse(org.security_policy) as { session?: { maxTokenLifetimeDays?: number }; ipAllowlist?: string[] };
  const maxDays = security.session?.maxTokenLifetimeDays;
  if (maxDays !== undefined && Date.parse(ctx.now) - Date.parse(ctx.caller.token.created_at) > maxDays * 86_400_000) {
    throw new TenancyError("token_too_old", `this organization refuses management tokens older than ${maxDays} days; create a new token`);
  }
  if (!ipAllowed(ctx.ip, security.ipAllowlist ?? [])) {
    throw new TenancyError("ip_not_allowed", `requests from ${ctx.ip} are not in this organization's IP allowlist`);
  }
}

/**
 * The caller's standing in an organization, or 404. With `lock`, inside a write transaction, the
 * organization row is locked first and the caller's role re-read under that lock, so a decision
 * never rests on a role changed by a concurrent request.
 */
export async function orgAccess(ctx: Ctx, db: Executor, orgId: string, opts: { lock?: boolean } = {}): Promise<OrgAccess> {
  if (!isIdOf("organization", orgId)) throw notFound("organization", orgId);
  const org = opts.lock ? await lockOrganization(db, ctx.store.dialect, orgId) : await findLiveOrganization(db, orgId);
  if (!org) throw notFound("organization", orgId);
  const member = await findOrgMember(db, orgId, ctx.caller.user.id);
  if (!member) throw notFound("organization", orgId);
  if (!opts.lock) enforcePolicy(ctx, org);
  return { org, orgRole: member.role as OrgRole };
}

export async function projectAccess(ctx: Ctx, db: Executor, orgId: string, projectId: string, opts: { lock?: boolean } = {}): Promise<ProjectAccess> {
  const access = await orgAccess(ctx, db, orgId, opts);
  return projectWithin(ctx, db, access, projectId);
}

export async function projectWithin(ctx: Ctx, db: Executor, access: OrgAccess, projectId: string): Promise<ProjectAccess> {
  if (!isIdOf("project", projectId)) throw notFound("project", projectId);
  const project = await findProject(db, projectId);
  if (!project || project.organization_id !== access.org.id) throw notFound("project", projectId);
  const member = await findProjectMember(db, projectId, ctx.caller.user.id);
  if (!member && !policy.seeAllProjects(access)) throw notFound("project", projectId);
  return { ...access, project, projectRole: member?.role as ProjectRole | undefined };
}

/** Archived projects stay readable (history, redacted keys) but accept no more changes. */
export function assertProjectActive(project: ProjectRow): void {
  if (project.status !== "active") throw new TenancyError("invalid_request", `project ${project.id} is archived; archived projects are read-only`);
}
