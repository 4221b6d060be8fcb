import type { Executor } from "./db";
import { OrgRecord, toOrgRecord } from "./organizations.repository";
import { prepared } from "./prepared";
import type { ProjectRow } from "./tables";

/** A project of the caller's, as `/v1/me` lists it. */
export interface UserProject extends Pick<ProjectRow, "id" | "organization_id" | "name" | "status"> {
  role: string;
}

/**
 * One query for all of `/v1/me`: each live organization the user is a member of (one row per
 * project they hold a role in there, or one row without a project). Two queries cost a small read
 * a second statement on SQLite and a second round trip on PostgreSQL, most of what it costs.
 */
const memberships = prepared((db: Executor, userId: string) =>
  db
    .selectFrom("org_members as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .leftJoin("project_members as pm", (join) => join.onRef("pm.user_id", "=", "m.user_id").onRef("pm.organization_id", "=", "o.id"))
    .leftJoin("projects as p", (join) => join.onRef("p.id", "=", "pm.project_id").onRef("p.organization_id", "=", "o.id"))
    .selectAll("o")
    .select(["m.role", "p.id as project_id", "p.name as project_name", "p.status as project_status", "p.created_at as project_created_at", "pm.role as project_role"])
    .where("m.user_id", "=", userId)
    .where("o.deleted_at", "is", null)
    .orderBy("o.created_at")
    .orderBy("o.id"),
);

/**
 * Every live organization of the user with the user's role, in creation order, and every project
 * of those organizations the user holds a role in, with that role, in creation order.
 */
export async function userMemberships(db: Executor, userId: string): Promise<{ organizations: (OrgRecord & { role: string })[]; projects: UserProject[] }> {
  const organizations: (OrgRecord & { role: string })[] = [];
  const projects: (UserProject & { created_at: string })[] = [];
  for (const { role, project_id, project_name, project_status, project_created_at, project_role, ...org } of await memberships(db, userId)) {
    if (organizations.at(-1)?.id !== org.id) organizations.push({ ...toOrgRecord(org), role });
    if (project_id !== null && project_role !== null) {
      projects.push({ id: project_id, organization_id: org.id, name: project_name!, status: project_status!, role: project_role, created_at: project_created_at! });
    }
  }
  // The order the projects' own query had: (created_at, id), across organizations.
  projects.sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1));
  return { organizations, projects: projects.map(({ created_at: _, ...p }) => p) };
}
