import { Kysely } from "kysely";

/**
 * Invitations (issue 22): a person joins an organization by accepting, signed in as the address
 * invited, instead of being created and granted at once. The accept link's one-time code is stored
 * only as its hash; `projects` is the JSON list of `{projectId, role}` granted with the
 * organization role. `status` is pending until accepted or revoked, or expired once first seen
 * past `expires_at` (when `invitation.expired` is audited).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("projects", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull().unique())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("accepted_at", "text")
    .addColumn("accepted_user_id", "text", (c) => c.references("users.id"))
    .addColumn("invited_by_user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("invited_by_email", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("invitations_org_page").on("invitations").columns(["organization_id", "created_at", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("invitations").execute();
}
