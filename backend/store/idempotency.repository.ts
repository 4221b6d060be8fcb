import type { Executor } from "./db";
import type { IdempotencyRow } from "./tables";

export function findIdempotencyRecord(db: Executor, userId: string, key: string): Promise<IdempotencyRow | undefined> {
  return db.selectFrom("idempotency_keys").selectAll().where("user_id", "=", userId).where("key", "=", key).executeTakeFirst();
}

export async function insertIdempotencyRecord(db: Executor, row: IdempotencyRow): Promise<void> {
  await db.insertInto("idempotency_keys").values(row).execute();
}

/** Records are kept at least 24 h (DESIGN.md); this drops the older ones. */
export async function pruneIdempotencyRecords(db: Executor, before: string): Promise<void> {
  await db.deleteFrom("idempotency_keys").where("created_at", "<", before).execute();
}
