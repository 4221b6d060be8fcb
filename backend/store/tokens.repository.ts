import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { TokenRow } from "./tables";

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

/** A user's tokens that are not revoked yet (expired ones included). */
export function listUnrevokedTokens(db: Executor, userId: string): Promise<TokenRow[]> {
  return db.selectFrom("tokens").selectAll().where("user_id", "=", userId).where("revoked_at", "is", null).orderBy("created_at").execute();
}

export async function touchToken(db: Executor, id: string, now: string): Promise<void> {
  await db.updateTable("tokens").set({ last_used_at: now }).where("id", "=", id).execute();
}
