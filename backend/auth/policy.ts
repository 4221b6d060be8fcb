import { TenancyError } from "../../schema/errors";
import type { OrgRole } from "../../schema/organization";
import type { ProjectRole } from "../../schema/project";

/**
 * The role matrix of DESIGN.md, as predicates. Visibility (404) is decided in access.ts; these
 * answer "visible, but may this caller do it?" and a `false` becomes a 403.
 */
export interface Roles {
  orgRole: OrgRole;
  projectRole?: ProjectRole;
}

// A viewer writes nothing, so it stands below every role that may write.
const ORG_RANK: Record<OrgRole, number> = { viewer: 0, member: 1, billing: 2, admin: 3 };
const PROJECT_RANK: Record<ProjectRole, number> = { viewer: 1, member: 2, owner: 3 };

/**
 * An organization viewer writes nothing, not even through a project role it also holds: its
 * project roles count for reading only.
 */
const projectRoleForWrites = (r: Roles): ProjectRole | undefined => (r.orgRole === "viewer" ? undefined : r.projectRole);

export const policy = {
  readBilling: (r: Roles) => r.orgRole === "admin" || r.orgRole === "billing",
  changeBilling: (r: Roles) => r.orgRole === "admin" || r.orgRole === "billing",
  changeOrganization: (r: Roles) => r.orgRole === "admin",
  manageOrgMembers: (r: Roles) => r.orgRole === "admin",
  createProject: (r: Roles, membersCanCreateProjects: boolean) => r.orgRole === "admin" || (r.orgRole === "member" && membersCanCreateProjects),
  /** Every project of the organization (its members, redacted keys, usage) is visible to admins, billing and viewers. */
  seeAllProjects: (r: Roles) => r.orgRole === "admin" || r.orgRole === "billing" || r.orgRole === "viewer",
  changeProjectOwnerFields: (r: Roles) => r.orgRole === "admin" || projectRoleForWrites(r) === "owner",
  changeProjectAdminFields: (r: Roles) => r.orgRole === "admin",
  manageProjectMembers: (r: Roles) => r.orgRole === "admin" || projectRoleForWrites(r) === "owner",
  manageAnyKey: (r: Roles) => r.orgRole === "admin" || projectRoleForWrites(r) === "owner",
  manageOwnKeys: (r: Roles) => r.orgRole === "admin" || projectRoleForWrites(r) === "owner" || projectRoleForWrites(r) === "member",
  readWholeAuditLog: (r: Roles) => r.orgRole === "admin" || r.orgRole === "viewer",
} as const;

/** Nobody grants a role above their own; org admins stand above every project role. */
export function mayGrantProjectRole(r: Roles, role: ProjectRole): boolean {
  if (r.orgRole === "admin") return true;
  const own = projectRoleForWrites(r);
  return own !== undefined && PROJECT_RANK[role] <= PROJECT_RANK[own];
}

export function mayGrantOrgRole(r: Roles, role: OrgRole): boolean {
  return ORG_RANK[role] <= ORG_RANK[r.orgRole];
}

export function allow(allowed: boolean, what: string): void {
  if (!allowed) throw new TenancyError("forbidden", `your role does not allow you to ${what}`);
}
