import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import { prepared } from "./prepared";
import type { TokenRow, UserRow } from "./tables";

export async function insertToken(db: Executor, row: TokenRow): Promise<TokenRow> {
  await db.insertInto("tokens").values(row).execute();
  return row;
}

export function findTokenByHash(db: Executor, hash: string): Promise<TokenRow | undefined> {
  return db.selectFrom("tokens").selectAll().where("hash", "=", hash).executeTakeFirst();
}

export function findUserToken(db: Executor, userId: string, id: string): Promise<TokenRow | undefined> {
  return db.selectFrom("tokens").selectAll().where("id", "=", id).where("user_id", "=", userId).executeTakeFirst();
}

export function listUserTokens(db: Executor, userId: string, page: PageRequest) {
  const q = db.selectFrom("tokens").selectAll().where("user_id", "=", userId);
  return fetchPage(q, ["created_at", "id"], page, (r) => [r.created_at, r.id]);
}

export async function revokeToken(db: Executor, id: string, now: string): Promise<void> {
  await db.updateTable("tokens").set({ revoked_at: now }).where("id", "=", id).where("revoked_at", "is", null).execute();
}

export async function setTokenExpiry(db: Executor, id: string, expiresAt: string | null): Promise<void> {
  await db.updateTable("tokens").set({ expires_at: expiresAt }).where("id", "=", id).execute();
}

/** A user's tokens that are not revoked yet (expired ones included). */
export function listUnrevokedTokens(db: Executor, userId: string): Promise<TokenRow[]> {
  return db.selectFrom("tokens").selectAll().where("user_id", "=", userId).where("revoked_at", "is", null).orderBy("created_at").execute();
}

/** Records a use, and the longest time the token went unused so far (idleness is final). */
export async function touchToken(db: Executor, id: string, now: string, idleMaxSeconds: number): Promise<void> {
  await db.updateTable("tokens").set({ last_used_at: now, idle_max_seconds: idleMaxSeconds }).where("id", "=", id).execute();
}

/**
 * A token with its user, in one query. `orphaned`: the user is a service account whose
 * organization was deleted (its tokens must not outlive it).
 */
const tokenWithUser = prepared((db: Executor, hash: string) =>
  db
    .selectFrom("tokens as t")
    .innerJoin("users as u", "u.id", "t.user_id")
    .leftJoin("organizations as o", "o.id", "u.organization_id")
    .selectAll("t")
    .select(["u.email as u_email", "u.kind as u_kind", "u.name as u_name", "u.organization_id as u_organization_id", "u.created_at as u_created_at", "u.updated_at as u_updated_at"])
    .select("o.deleted_at as o_deleted_at")
    .where("t.hash", "=", hash),
);

export async function findTokenWithUser(db: Executor, hash: string): Promise<{ token: TokenRow; user: UserRow; orphaned: boolean } | undefined> {
  const [row] = await tokenWithUser(db, hash);
  if (!row) return undefined;
  const { u_email, u_kind, u_name, u_organization_id, u_created_at, u_updated_at, o_deleted_at, ...token } = row;
  const user: UserRow = { id: token.user_id, email: u_email, kind: u_kind, name: u_name, organization_id: u_organization_id, created_at: u_created_at, updated_at: u_updated_at };
  return { token, user, orphaned: u_kind === "service_account" && (u_organization_id === null || o_deleted_at !== null) };
}

/** The unrevoked tokens of an organization's service accounts (they die with it). */
export function listUnrevokedServiceAccountTokens(db: Executor, orgId: string): Promise<TokenRow[]> {
  return db
    .selectFrom("tokens as t")
    .innerJoin("users as u", "u.id", "t.user_id")
    .selectAll("t")
    .where("u.kind", "=", "service_account")
    .where("u.organization_id", "=", orgId)
    .where("t.revoked_at", "is", null)
    .orderBy("t.created_at")
    .execute();
}
