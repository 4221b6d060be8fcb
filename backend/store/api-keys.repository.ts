import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import { prepared } from "./prepared";
import type { ApiKeyRow, OrganizationRow, ProjectRow } from "./tables";
import { toOrgRecord } from "./organizations.repository";
import { toProjectRecord } from "./projects.repository";

export type ApiKeyView = ApiKeyRow & { owner_email: string };

export interface ApiKeyFilter {
  externalId?: string;
  status?: "active" | "revoked" | "expired";
  now: string;
}

function keys(db: Executor) {
  return db.selectFrom("api_keys as k").innerJoin("users as u", "u.id", "k.owner_user_id").selectAll("k").select("u.email as owner_email");
}

export async function insertApiKey(db: Executor, row: ApiKeyRow): Promise<void> {
  await db.insertInto("api_keys").values(row).execute();
}

export function findApiKey(db: Executor, projectId: string, id: string): Promise<ApiKeyView | undefined> {
  return keys(db).where("k.id", "=", id).where("k.project_id", "=", projectId).executeTakeFirst();
}

export function listApiKeys(db: Executor, projectId: string, filter: ApiKeyFilter, page: PageRequest) {
  let q = keys(db).where("k.project_id", "=", projectId);
  if (filter.externalId !== undefined) q = q.where("k.external_id", "=", filter.externalId);
  if (filter.status === "revoked") q = q.where("k.revoked_at", "is not", null);
  if (filter.status === "active") {
    q = q.where("k.revoked_at", "is", null).where((eb) => eb.or([eb("k.expires_at", "is", null), eb("k.expires_at", ">", filter.now)]));
  }
  if (filter.status === "expired") q = q.where("k.revoked_at", "is", null).where("k.expires_at", "<=", filter.now);
  return fetchPage(q, ["k.created_at", "k.id"], page, (r) => [r.created_at, r.id]);
}

/** Keys not revoked (expired ones included: revoking them is still meaningful bookkeeping). */
export function findUnrevokedKeys(db: Executor, where: { projectId?: string; organizationId?: string; ownerUserId?: string }): Promise<ApiKeyView[]> {
  let q = keys(db).where("k.revoked_at", "is", null);
  if (where.projectId) q = q.where("k.project_id", "=", where.projectId);
  if (where.organizationId) q = q.where("k.organization_id", "=", where.organizationId);
  if (where.ownerUserId) q = q.where("k.owner_user_id", "=", where.ownerUserId);
  return q.orderBy("k.created_at").execute();
}

export function findLiveKeyByExternalId(db: Executor, projectId: string, externalId: string): Promise<ApiKeyView | undefined> {
  return keys(db).where("k.project_id", "=", projectId).where("k.external_id", "=", externalId).where("k.revoked_at", "is", null).executeTakeFirst();
}

export async function updateApiKey(db: Executor, id: string, values: Partial<ApiKeyRow>): Promise<void> {
  await db.updateTable("api_keys").set(values).where("id", "=", id).execute();
}

/** The data plane's lookup: a key by its hash, with its project and organization, in one query. */
const apiKeyByHash = prepared((db: Executor, hash: string) =>
  db
    .selectFrom("api_keys as k")
    .innerJoin("projects as p", "p.id", "k.project_id")
    .innerJoin("organizations as o", "o.id", "k.organization_id")
    .selectAll("k")
    .select(["p.id as p_id", "p.organization_id as p_organization_id", "p.name as p_name", "p.environment as p_environment", "p.status as p_status", "p.fields as p_fields"])
    .select(["p.external_id as p_external_id", "p.version as p_version", "p.created_at as p_created_at", "p.updated_at as p_updated_at", "p.archived_at as p_archived_at"])
    .select(["o.name as o_name", "o.external_id as o_external_id", "o.created_by as o_created_by", "o.billing as o_billing", "o.settings as o_settings"])
    .select(["o.security_policy as o_security_policy", "o.version as o_version", "o.created_at as o_created_at", "o.updated_at as o_updated_at", "o.deleted_at as o_deleted_at"])
    .where("k.hash", "=", hash),
);

export async function findApiKeyByHash(db: Executor, hash: string) {
  const [row] = await apiKeyByHash(db, hash);
  if (!row) return undefined;
  const pick = (prefix: string) => Object.fromEntries(Object.entries(row).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const apiKey = Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("p_") && !k.startsWith("o_"))) as unknown as ApiKeyRow;
  const project = toProjectRecord(pick("p_") as unknown as ProjectRow);
  const organization = toOrgRecord({ id: apiKey.organization_id, ...pick("o_") } as unknown as OrganizationRow);
  return { apiKey, project, organization };
}

export async function touchApiKey(db: Executor, id: string, now: string): Promise<void> {
  await db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", id).execute();
}

/**
 * The keys `ids` with their project's whole row and their life's ends (revocation, expiry, the
 * organization's deletion), for billing usage events to them (usage/billing-subjects.ts).
 */
export function findKeysWithTheirProjects(db: Executor, ids: string[]) {
  return db
    .selectFrom("api_keys as k")
    .innerJoin("projects as p", "p.id", "k.project_id")
    .innerJoin("organizations as o", "o.id", "k.organization_id")
    .selectAll("p")
    .select(["k.id as key_id", "k.created_at as key_created_at", "k.revoked_at as key_revoked_at", "k.expires_at as key_expires_at", "o.deleted_at as org_deleted_at"])
    .where("k.id", "in", ids)
    .execute();
}
