import { Kysely } from "kysely";

/**
 * Claims (issue 20): a create that sends an `externalId` leaves a pending claim on its object,
 * kept until the creator confirms that its deployment recorded the object. Only a pending claim of
 * the caller's own lets a create that meets its `externalId` recover the object (a create the
 * engine lost track of); everything made before this migration counts as confirmed.
 * `object_id` is the object's id, or `scope/user` for a membership (`org_…/user_…`, `proj_…/user_…`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("claims")
    .addColumn("object_id", "text", (c) => c.primaryKey())
    .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("claims").execute();
}
