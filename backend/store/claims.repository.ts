import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { ClaimRow } from "./tables";

/** Leaves `userId`'s pending claim on the object (a membership re-added takes a fresh one). */
export async function insertClaim(db: Executor, row: ClaimRow): Promise<void> {
  await db
    .insertInto("claims")
    .values(row)
    .onConflict((oc) => oc.column("object_id").doUpdateSet({ created_by: row.created_by, created_at: row.created_at }))
    .execute();
}

/** Confirms `userId`'s own pending claims among `objectIds`; anyone else's stay as they are. */
export async function deleteClaims(db: Executor, userId: string, objectIds: readonly string[]): Promise<void> {
  await db.deleteFrom("claims").where("created_by", "=", userId).where("object_id", "in", objectIds).execute();
}

export function listClaims(db: Executor, userId: string, objectId: string | undefined, page: PageRequest) {
  let q = db.selectFrom("claims").selectAll().where("created_by", "=", userId);
  if (objectId !== undefined) q = q.where("object_id", "=", objectId);
  return fetchPage(q, ["created_at", "object_id"], page, (r) => [r.created_at, r.object_id]);
}
