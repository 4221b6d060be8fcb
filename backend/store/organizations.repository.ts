import type { DialectName, Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { OrganizationRow } from "./tables";

export async function insertOrganization(db: Executor, row: OrganizationRow): Promise<void> {
  await db.insertInto("organizations").values(row).execute();
}

export function findLiveOrganization(db: Executor, id: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom("organizations").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
}

/**
 * Serializes every check-then-write inside one organization (last admin, unique names, external
 * ids). PostgreSQL: a row lock held to commit. SQLite: the transaction began IMMEDIATE and already
 * holds the database's single write lock, so there is nothing more to take.
 */
export async function lockOrganization(db: Executor, dialect: DialectName, id: string): Promise<OrganizationRow | undefined> {
  let q = db.selectFrom("organizations").selectAll().where("id", "=", id).where("deleted_at", "is", null);
  if (dialect === "postgres") q = q.forUpdate();
  return q.executeTakeFirst();
}

export interface OrganizationFilter {
  externalId?: string;
  name?: string;
}

/** The live organizations this user is a member of. */
export function listUserOrganizations(db: Executor, userId: string, filter: OrganizationFilter, page: PageRequest) {
  let q = db
    .selectFrom("organizations as o")
    .innerJoin("org_members as m", "m.organization_id", "o.id")
    .selectAll("o")
    .select("m.role")
    .where("m.user_id", "=", userId)
    .where("o.deleted_at", "is", null);
  if (filter.externalId !== undefined) q = q.where("o.external_id", "=", filter.externalId);
  if (filter.name !== undefined) q = q.where("o.name", "=", filter.name);
  return fetchPage(q, ["o.created_at", "o.id"], page, (r) => [r.created_at, r.id]);
}

export function findOrganizationByExternalId(db: Executor, createdBy: string, externalId: string): Promise<OrganizationRow | undefined> {
  return db
    .selectFrom("organizations")
    .selectAll()
    .where("created_by", "=", createdBy)
    .where("external_id", "=", externalId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

export async function updateOrganization(db: Executor, id: string, values: Partial<OrganizationRow>): Promise<void> {
  await db.updateTable("organizations").set(values).where("id", "=", id).execute();
}
