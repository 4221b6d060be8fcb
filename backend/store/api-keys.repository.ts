import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { ApiKeyRow } from "./tables";

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
