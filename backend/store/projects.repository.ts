import { projectExtras, ProjectExtras } from "../../schema/project";
import type { Executor } from "./db";
import { cachedParser } from "./json-columns";
import { fetchPage, PageRequest } from "./page";
import { prepared } from "./prepared";
import type { ProjectRow } from "./tables";

/** A project as the services see it: its JSON column parsed into the schema type at this boundary. */
export interface ProjectRecord extends Omit<ProjectRow, "fields"> {
  fields: ProjectExtras;
}

const parseFields = cachedParser(projectExtras);

export function toProjectRecord(row: ProjectRow): ProjectRecord {
  return { ...row, fields: parseFields(row.fields) };
}

function toRow(rec: Partial<ProjectRecord>): Partial<ProjectRow> {
  const { fields, ...rest } = rec;
  return fields === undefined ? rest : { ...rest, fields: JSON.stringify(fields) };
}

const parsed = (row: ProjectRow | undefined) => (row ? toProjectRecord(row) : undefined);

export interface ProjectFilter {
  name?: string;
  externalId?: string;
  status?: "active" | "archived";
  /** Only projects this user is a member of (an org `member` sees no others). */
  memberUserId?: string;
}

export async function insertProject(db: Executor, rec: ProjectRecord): Promise<void> {
  await db.insertInto("projects").values(toRow(rec) as ProjectRow).execute();
}

export async function findProject(db: Executor, id: string): Promise<ProjectRecord | undefined> {
  return parsed(await db.selectFrom("projects").selectAll().where("id", "=", id).executeTakeFirst());
}

/** The project and the user's role in it (undefined: not a member), in one query. */
const projectWithRole = prepared((db: Executor, id: string, userId: string) =>
  db
    .selectFrom("projects as p")
    .leftJoin("project_members as m", (join) => join.onRef("m.project_id", "=", "p.id").on("m.user_id", "=", userId))
    .selectAll("p")
    .select("m.role")
    .where("p.id", "=", id),
);

export async function findProjectWithRole(db: Executor, id: string, userId: string): Promise<{ project: ProjectRecord; role?: string } | undefined> {
  const [row] = await projectWithRole(db, id, userId);
  if (!row) return undefined;
  const { role, ...project } = row;
  return { project: toProjectRecord(project), role: role ?? undefined };
}

export async function findActiveProjectByName(db: Executor, orgId: string, name: string): Promise<ProjectRecord | undefined> {
  return parsed(await db.selectFrom("projects").selectAll().where("organization_id", "=", orgId).where("name", "=", name).where("status", "=", "active").executeTakeFirst());
}

export async function findActiveProjectByExternalId(db: Executor, orgId: string, externalId: string): Promise<ProjectRecord | undefined> {
  return parsed(
    await db.selectFrom("projects").selectAll().where("organization_id", "=", orgId).where("external_id", "=", externalId).where("status", "=", "active").executeTakeFirst(),
  );
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

export async function listProjects(db: Executor, orgId: string, filter: ProjectFilter, page: PageRequest) {
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
  const page_ = await fetchPage(q, ["p.created_at", "p.id"], page, (r) => [r.created_at, r.id]);
  return { ...page_, rows: page_.rows.map(toProjectRecord) };
}

export async function updateProject(db: Executor, id: string, values: Partial<ProjectRecord>): Promise<void> {
  await db.updateTable("projects").set(toRow(values)).where("id", "=", id).execute();
}
