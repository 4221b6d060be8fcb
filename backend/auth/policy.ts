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

const ORG_RANK: Record<OrgRole, number> = { member: 1, billing: 2, admin: 3 };
const PROJECT_RANK: Record<ProjectRole, number> = { viewer: 1, member: 2, owner: 3 };

export const policy = {
  readBilling: (r: Roles) => r.orgRole === "admin" || r.orgRole === "billing",
  changeBilling: (r: Roles) => r.orgRole === "admin" || r.orgRole === "billing",
  changeOrganization: (r: Roles) => r.orgRole === "admin",
  manageOrgMembers: (r: Roles) => r.orgRole === "admin",
  createProject: (r: Roles, membersCanCreateProjects: boolean) => r.orgRole === "admin" || (r.orgRole === "member" && membersCanCreateProjects),
  /** Every project of the organization is visible to admins and billing. */
  seeAllProjects: (r: Roles) => r.orgRole === "admin" || r.orgRole === "billing",
  changeProjectOwnerFields: (r: Roles) => r.orgRole === "admin" || r.projectRole === "owner",
  changeProjectAdminFields: (r: Roles) => r.orgRole === "admin",
  manageProjectMembers: (r: Roles) => r.orgRole === "admin" || r.projectRole === "owner",
  manageAnyKey: (r: Roles) => r.orgRole === "admin" || r.projectRole === "owner",
  manageOwnKeys: (r: Roles) => r.orgRole === "admin" || r.projectRole === "owner" || r.projectRole === "member",
  readWholeAuditLog: (r: Roles) => r.orgRole === "admin",
} as const;

/** Nobody grants a role above their own; org admins stand above every project role. */
export function mayGrantProjectRole(r: Roles, role: ProjectRole): boolean {
  if (r.orgRole === "admin") return true;
  return r.projectRole !== undefined && PROJECT_RANK[role] <= PROJECT_RANK[r.projectRole];
}

export function mayGrantOrgRole(r: Roles, role: OrgRole): boolean {
  return ORG_RANK[role] <= ORG_RANK[r.orgRole];
}

export function allow(allowed: boolean, what: string): void {
  if (!allowed) throw new TenancyError("forbidden", `your role does not allow you to ${what}`);
}
