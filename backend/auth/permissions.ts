import type { Executor } from "../store/db";
import { holdsProjectMembership } from "../store/members.repository";
import type { Caller } from "./context";
import type { OrgAccess, ProjectAccess } from "./access";
import { policy } from "./policy";

/**
 * What a route may ask of its caller, one table per scope. The pipeline checks the permission a
 * route declares after it resolved the caller's standing (404 when invisible) and before the
 * body is even validated; a `false` is a 403 whose detail is `denied`. Field-level rules that
 * depend on the body (billing vs settings, owner vs admin fields, whose key) stay in services.
 */
export interface Permission<A> {
  allows(access: A, db: Executor, userId: string): boolean | Promise<boolean>;
  /** Completes "your role does not allow you to …". */
  denied: string;
}

const anyone = { allows: () => true, denied: "do this" };

export const ORGANIZATION_PERMISSIONS = {
  readOrganization: anyone,
  /** PATCH of the organization: billing may change billing, admins everything (decided by field). */
  editOrganization: { allows: (a: OrgAccess) => policy.changeBilling(a), denied: "change this organization" },
  changeOrganization: { allows: (a: OrgAccess) => policy.changeOrganization(a), denied: "delete this organization" },
  manageOrgMembers: { allows: (a: OrgAccess) => policy.manageOrgMembers(a), denied: "manage this organization's members and service accounts" },
  createProject: { allows: (a: OrgAccess) => policy.createProject(a, a.org.settings.membersCanCreateProjects), denied: "create projects in this organization" },
  /** Admins and viewers read the whole log; project owners the events of their projects (filtered by the service). */
  readAuditLog: {
    allows: (a: OrgAccess, db: Executor, userId: string) => policy.readWholeAuditLog(a) || holdsProjectMembership(db, a.org.id, userId, "owner"),
    denied: "read this organization's audit log",
  },
  /** Admin, billing and viewer: the whole organization; project members: their projects (filtered by the handler). */
  readUsage: {
    allows: (a: OrgAccess, db: Executor, userId: string) => policy.seeAllProjects(a) || holdsProjectMembership(db, a.org.id, userId),
    denied: "read this organization's usage and costs",
  },
} satisfies Record<string, Permission<OrgAccess>>;

export const PROJECT_PERMISSIONS = {
  readProject: anyone,
  /** PATCH of a project: owners change the accountability fields, admins all (decided by field). */
  editProject: { allows: (a: ProjectAccess) => policy.changeProjectOwnerFields(a), denied: "change this project" },
  archiveProject: { allows: (a: ProjectAccess) => policy.changeProjectAdminFields(a), denied: "archive this project" },
  manageProjectMembers: { allows: (a: ProjectAccess) => policy.manageProjectMembers(a), denied: "manage this project's members" },
  /** Members manage the keys they own; owners and admins any key (decided by key). */
  manageKeys: { allows: (a: ProjectAccess) => policy.manageOwnKeys(a), denied: "manage API keys in this project" },
} satisfies Record<string, Permission<ProjectAccess>>;

/**
 * Routes of the caller's own (tokens, /v1/me, their organizations): any authenticated user; what
 * would take a service account beyond its one organization (a second organization, a token that
 * organization's admins did not mint) only a person.
 */
export const USER_PERMISSIONS = {
  self: anyone,
  person: {
    allows: (caller: Caller) => caller.user.kind === "person",
    denied: "do this as a service account: a service account acts only in its own organization, whose admins mint its tokens (POST /v1/organizations/{orgId}/service-accounts/{userId}/tokens)",
  },
} satisfies Record<string, Permission<Caller>>;
/** The data plane: any live gateway credential (the client's API key is the subject, in the body). */
export const GATEWAY_PERMISSIONS = { useDataPlane: anyone } as const;
/** Operational routes without tenant data. */
export const NO_PERMISSIONS = { public: anyone } as const;

export const PERMISSIONS = {
  none: NO_PERMISSIONS,
  user: USER_PERMISSIONS,
  organization: ORGANIZATION_PERMISSIONS,
  project: PROJECT_PERMISSIONS,
  gateway: GATEWAY_PERMISSIONS,
} as const;

export type Scope = keyof typeof PERMISSIONS;
export const SCOPES = Object.keys(PERMISSIONS) as Scope[];
export type PermissionOf<S extends Scope> = keyof (typeof PERMISSIONS)[S] & string;
