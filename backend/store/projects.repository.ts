import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { ProjectRow } from "./tables";

export interface ProjectFilter {
  name?: string;
  externalId?: string;
  status?: "active" | "archived";
  /** Only projects this user is a member of (an org `member` sees no others). */
  memberUserId?: string;
}

export async function insertProject(db: Executor, row: ProjectRow): Promise<void> {
  await db.insertInto("projects").values(row).execute();
}

export function findProject(db: Executor, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom("projects").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findActiveProjectByName(db: Executor, orgId: string, name: string): Promise<ProjectRow | undefined> {
  return db.selectFrom("projects").selectAll().where("organization_id", "=", orgId).where("name", "=", name).where("status", "=", "active").executeTakeFirst();
}

export function findActiveProjectByExternalId(db: Executor, orgId: string, externalId: string): Promise<ProjectRow | undefined> {
  return db
    .selectFrom("projects")
    .selectAll()
    .where("organization_id", "=", orgId)
    .where("external_id", "=", externalId)
    .where("status", "=", "active")
    .executeTakeFirst();
}

export async function countActiveProjects(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom("projects")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("organization_id", "=", orgId)
    .where("status", "=", "active")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function listProjects(db: Executor, orgId: string, filter: ProjectFilter, page: PageRequest) {
  let q = db.selectFrom("projects as p").selectAll("p").where("p.organization_id", "=", orgId);
  if (filter.name !== undefined) q = q.where("p.name", "=", filter.name);
  if (filter.externalId !== undefined) q = q.where("p.external_id", "=", filter.externalId);
  if (filter.status !== undefined) q = q.where("p.status", "=", filter.status);
  if (filter.memberUserId !== undefined) {
    const userId = filter.memberUserId;
    q = q.where((eb) =>
      eb.exists(eb.selectFrom("project_members as pm").select("pm.user_id").whereRef("pm.project_id", "=", "p.id").where("pm.user_id", "=", userId)),
    );
  }
  return fetchPage(q, ["p.created_at", "p.id"], page, (r) => [r.created_at, r.id]);
}

export async function updateProject(db: Executor, id: string, values: Partial<ProjectRow>): Promise<void> {
  await db.updateTable("projects").set(values).where("id", "=", id).execute();
}
