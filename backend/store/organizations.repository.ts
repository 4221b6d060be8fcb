import { billing, securityPolicy, settings } from "../../schema/organization";
import type { z } from "zod";
import type { DialectName, Executor } from "./db";
import { cachedParser } from "./json-columns";
import { fetchKeptPage, PageRequest } from "./page";
import { prepared } from "./prepared";
import type { OrganizationRow } from "./tables";

/**
 * An organization as the services see it: the JSON columns parsed into the schema types here, at
 * the store boundary, so no service casts or re-parses settings or policy.
 */
export interface OrgRecord extends Omit<OrganizationRow, "billing" | "settings" | "security_policy"> {
  billing: z.output<typeof billing>;
  settings: z.output<typeof settings>;
  securityPolicy: z.output<typeof securityPolicy>;
}

const parseBilling = cachedParser(billing);
const parseSettings = cachedParser(settings);
const parsePolicy = cachedParser(securityPolicy);

export function toOrgRecord(row: OrganizationRow): OrgRecord {
  const { billing: b, settings: s, security_policy: p, ...rest } = row;
  return { ...rest, billing: parseBilling(b), settings: parseSettings(s), securityPolicy: parsePolicy(p) };
}

export function toOrgRow(rec: OrgRecord): OrganizationRow {
  const { billing: b, settings: s, securityPolicy: p, ...rest } = rec;
  return { ...rest, billing: JSON.stringify(b), settings: JSON.stringify(s), security_policy: JSON.stringify(p) };
}

const parsed = (row: OrganizationRow | undefined) => (row ? toOrgRecord(row) : undefined);

export async function insertOrganization(db: Executor, rec: OrgRecord): Promise<void> {
  await db.insertInto("organizations").values(toOrgRow(rec)).execute();
}

export async function findLiveOrganization(db: Executor, id: string): Promise<OrgRecord | undefined> {
  return parsed(await db.selectFrom("organizations").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst());
}

/** The organization, deleted or not: a deleted one's usage history is kept, and reports still read it. */
export async function findOrganizationEvenDeleted(db: Executor, id: string): Promise<OrgRecord | undefined> {
  return parsed(await db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirst());
}

/** A read's one query: the live organization and the user's role in it (undefined: not a member). */
const organizationWithRole = prepared((db: Executor, id: string, userId: string) =>
  db
    .selectFrom("organizations as o")
    .leftJoin("org_members as m", (join) => join.onRef("m.organization_id", "=", "o.id").on("m.user_id", "=", userId))
    .selectAll("o")
    .select("m.role")
    .where("o.id", "=", id)
    .where("o.deleted_at", "is", null),
);

export async function findOrganizationWithRole(db: Executor, id: string, userId: string): Promise<{ org: OrgRecord; role?: string } | undefined> {
  const [row] = await organizationWithRole(db, id, userId);
  if (!row) return undefined;
  const { role, ...org } = row;
  return { org: toOrgRecord(org), role: role ?? undefined };
}

/**
 * Serializes every check-then-write inside one organization (last admin, unique names, external
 * ids). PostgreSQL: a row lock held to commit. SQLite: the transaction began IMMEDIATE and already
 * holds the database's single write lock, so there is nothing more to take.
 */
export async function lockOrganization(db: Executor, dialect: DialectName, id: string): Promise<OrgRecord | undefined> {
  let q = db.selectFrom("organizations").selectAll().where("id", "=", id).where("deleted_at", "is", null);
  if (dialect === "postgres") q = q.forUpdate();
  return parsed(await q.executeTakeFirst());
}

export interface OrganizationFilter {
  externalId?: string;
  name?: string;
}

/** The live organizations this user is a member of, with the user's role. */
/** The user's organizations, a page of those `visible` accepts (by default all). */
export async function listUserOrganizations(db: Executor, userId: string, filter: OrganizationFilter, page: PageRequest, visible: (org: OrgRecord) => boolean = () => true) {
  let q = db
    .selectFrom("organizations as o")
    .innerJoin("org_members as m", "m.organization_id", "o.id")
    .selectAll("o")
    .select("m.role")
    .where("m.user_id", "=", userId)
    .where("o.deleted_at", "is", null);
  if (filter.externalId !== undefined) q = q.where("o.external_id", "=", filter.externalId);
  if (filter.name !== undefined) q = q.where("o.name", "=", filter.name);
  const result = await fetchKeptPage(q, ["o.created_at", "o.id"], page, (r) => [r.created_at, r.id], ({ role: _role, ...row }) => visible(toOrgRecord(row)));
  return { ...result, rows: result.rows.map(({ role, ...row }) => ({ ...toOrgRecord(row), role })) };
}

export async function findOrganizationByExternalId(db: Executor, createdBy: string, externalId: string): Promise<OrgRecord | undefined> {
  return parsed(
    await db
      .selectFrom("organizations")
      .selectAll()
      .where("created_by", "=", createdBy)
      .where("external_id", "=", externalId)
      .where("deleted_at", "is", null)
      .executeTakeFirst(),
  );
}

export async function updateOrganization(db: Executor, rec: OrgRecord): Promise<void> {
  const { id, ...values } = toOrgRow(rec);
  await db.updateTable("organizations").set(values).where("id", "=", id).execute();
}

/**
 * Live organizations whose stored settings / security policy JSON contain these texts, in id
 * order: a coarse filter in SQL (a JSON column is text on both stores) that the caller refines
 * on the parsed records.
 */
export async function findLiveOrganizationsMentioning(db: Executor, texts: { settings?: string; securityPolicy?: string }): Promise<OrgRecord[]> {
  let q = db.selectFrom("organizations").selectAll().where("deleted_at", "is", null);
  if (texts.settings !== undefined) q = q.where("settings", "like", `%${texts.settings}%`);
  if (texts.securityPolicy !== undefined) q = q.where("security_policy", "like", `%${texts.securityPolicy}%`);
  return (await q.orderBy("id").execute()).map(toOrgRecord);
}
