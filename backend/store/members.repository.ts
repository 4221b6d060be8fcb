import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { OrgMemberRow, ProjectMemberRow, UserRow } from "./tables";

/** A membership joined with its user: what the API shows as a member. */
export type OrgMemberView = OrgMemberRow & Pick<UserRow, "email" | "kind" | "name">;
export type ProjectMemberView = ProjectMemberRow & Pick<UserRow, "email" | "kind" | "name">;

export interface MemberFilter {
  email?: string;
  externalId?: string;
  kind?: "person" | "service_account";
}

function orgMembers(db: Executor) {
  return db.selectFrom("org_members as m").innerJoin("users as u", "u.id", "m.user_id").selectAll("m").select(["u.email", "u.kind", "u.name"]);
}

function projectMembers(db: Executor) {
  return db.selectFrom("project_members as m").innerJoin("users as u", "u.id", "m.user_id").selectAll("m").select(["u.email", "u.kind", "u.name"]);
}

export function findOrgMember(db: Executor, orgId: string, userId: string): Promise<OrgMemberView | undefined> {
  return orgMembers(db).where("m.organization_id", "=", orgId).where("m.user_id", "=", userId).executeTakeFirst();
}

export function listOrgMembers(db: Executor, orgId: string, filter: MemberFilter, page: PageRequest) {
  let q = orgMembers(db).where("m.organization_id", "=", orgId);
  if (filter.email !== undefined) q = q.where("u.email", "=", filter.email);
  if (filter.externalId !== undefined) q = q.where("m.external_id", "=", filter.externalId);
  if (filter.kind !== undefined) q = q.where("u.kind", "=", filter.kind);
  return fetchPage(q, ["m.created_at", "m.user_id"], page, (r) => [r.created_at, r.user_id]);
}

export async function countAdmins(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom("org_members")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("organization_id", "=", orgId)
    .where("role", "=", "admin")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertOrgMember(db: Executor, row: OrgMemberRow): Promise<void> {
  await db.insertInto("org_members").values(row).execute();
}

export async function setOrgMemberRole(db: Executor, orgId: string, userId: string, role: string, now: string): Promise<void> {
  await db
    .updateTable("org_members")
    .set((eb) => ({ role, updated_at: now, version: eb("version", "+", 1) }))
    .where("organization_id", "=", orgId)
    .where("user_id", "=", userId)
    .execute();
}

export async function deleteOrgMember(db: Executor, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom("org_members").where("organization_id", "=", orgId).where("user_id", "=", userId).execute();
}

export function findProjectMember(db: Executor, projectId: string, userId: string): Promise<ProjectMemberView | undefined> {
  return projectMembers(db).where("m.project_id", "=", projectId).where("m.user_id", "=", userId).executeTakeFirst();
}

export function listProjectMembers(db: Executor, projectId: string, filter: MemberFilter, page: PageRequest) {
  let q = projectMembers(db).where("m.project_id", "=", projectId);
  if (filter.email !== undefined) q = q.where("u.email", "=", filter.email);
  if (filter.externalId !== undefined) q = q.where("m.external_id", "=", filter.externalId);
  return fetchPage(q, ["m.created_at", "m.user_id"], page, (r) => [r.created_at, r.user_id]);
}

/** Every project membership of a user inside one organization (for org removal). */
export function listUserProjectMemberships(db: Executor, orgId: string, userId: string): Promise<ProjectMemberView[]> {
  return projectMembers(db).where("m.organization_id", "=", orgId).where("m.user_id", "=", userId).execute();
}

export async function insertProjectMember(db: Executor, row: ProjectMemberRow): Promise<void> {
  await db.insertInto("project_members").values(row).execute();
}

/** An organization's or a project's memberships: the table and the column that names the scope. */
export type MembershipTable = "org_members" | "project_members";
export interface MembershipScope {
  column: "organization_id" | "project_id";
  id: string;
}

/** The user whose membership of the scope carries `externalId`, if any. */
export async function findMembershipUserByExternalId(db: Executor, table: MembershipTable, scope: MembershipScope, externalId: string): Promise<string | undefined> {
  const row = await db.selectFrom(table).select("user_id").where(scope.column, "=", scope.id).where("external_id", "=", externalId).executeTakeFirst();
  return row?.user_id;
}

/** Marks a membership as declared by the deployment whose `externalId` it now carries (a take-over). */
export async function setMembershipExternalId(db: Executor, table: MembershipTable, scope: MembershipScope, userId: string, externalId: string, now: string): Promise<void> {
  await db
    .updateTable(table)
    .set((eb) => ({ external_id: externalId, updated_at: now, version: eb("version", "+", 1) }))
    .where(scope.column, "=", scope.id)
    .where("user_id", "=", userId)
    .execute();
}

export async function setProjectMemberRole(db: Executor, projectId: string, userId: string, role: string, now: string): Promise<void> {
  await db
    .updateTable("project_members")
    .set((eb) => ({ role, updated_at: now, version: eb("version", "+", 1) }))
    .where("project_id", "=", projectId)
    .where("user_id", "=", userId)
    .execute();
}

export async function deleteProjectMember(db: Executor, projectId: string, userId: string): Promise<void> {
  await db.deleteFrom("project_members").where("project_id", "=", projectId).where("user_id", "=", userId).execute();
}

/** The ids of the organization's projects that the user owns. */
export async function listOwnedProjectIds(db: Executor, orgId: string, userId: string): Promise<string[]> {
  const rows = await db.selectFrom("project_members").select("project_id").where("organization_id", "=", orgId).where("user_id", "=", userId).where("role", "=", "owner").execute();
  return rows.map((r) => r.project_id);
}

/** Whether the user holds a membership in any project of the organization (of this role, when given). */
export async function holdsProjectMembership(db: Executor, orgId: string, userId: string, role?: string): Promise<boolean> {
  let q = db.selectFrom("project_members").select("project_id").where("organization_id", "=", orgId).where("user_id", "=", userId);
  if (role !== undefined) q = q.where("role", "=", role);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}
