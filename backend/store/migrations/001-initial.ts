import { Kysely, sql } from "kysely";

/**
 * The first schema. Unique indexes are the last line of defence behind the services' locked
 * checks: partial ones, so an archived project frees its name and a revoked key its externalId.
 * Usage events and prices (a later migration) hang off `api_keys.id` and `projects.id`, which are
 * never reused or deleted: archiving and revoking keep the rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ts = (name: string) => [name, "text"] as const;

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("organization_id", "text")
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .addColumn(...ts("updated_at"), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("redacted", "text", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .execute();
  await db.schema.createIndex("tokens_user").on("tokens").columns(["user_id", "created_at"]).execute();

  await db.schema
    .createTable("organizations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("external_id", "text")
    .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("billing", "text", (c) => c.notNull())
    .addColumn("settings", "text", (c) => c.notNull())
    .addColumn("security_policy", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .addColumn(...ts("updated_at"), (c) => c.notNull())
    .addColumn("deleted_at", "text")
    .execute();
  // An organization's externalId is scoped to its creator: a global scope would let anyone probe
  // for other tenants' references through 409s.
  await db.schema
    .createIndex("organizations_external_id")
    .on("organizations")
    .columns(["created_by", "external_id"])
    .unique()
    .where(sql.ref("deleted_at"), "is", null)
    .execute();

  await db.schema
    .createTable("org_members")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("external_id", "text")
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .addColumn(...ts("updated_at"), (c) => c.notNull())
    .addPrimaryKeyConstraint("org_members_pk", ["organization_id", "user_id"])
    .execute();
  await db.schema.createIndex("org_members_user").on("org_members").column("user_id").execute();
  await db.schema.createIndex("org_members_external_id").on("org_members").columns(["organization_id", "external_id"]).unique().execute();

  await db.schema
    .createTable("projects")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("fields", "text", (c) => c.notNull())
    .addColumn("external_id", "text")
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .addColumn(...ts("updated_at"), (c) => c.notNull())
    .addColumn("archived_at", "text")
    .execute();
  await db.schema.createIndex("projects_org").on("projects").columns(["organization_id", "created_at"]).execute();
  await db.schema
    .createIndex("projects_active_name")
    .on("projects")
    .columns(["organization_id", "name"])
    .unique()
    .where(sql.ref("status"), "=", "active")
    .execute();
  await db.schema
    .createIndex("projects_active_external_id")
    .on("projects")
    .columns(["organization_id", "external_id"])
    .unique()
    .where(sql.ref("status"), "=", "active")
    .execute();

  await db.schema
    .createTable("project_members")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("external_id", "text")
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .addColumn(...ts("updated_at"), (c) => c.notNull())
    .addPrimaryKeyConstraint("project_members_pk", ["project_id", "user_id"])
    .execute();
  await db.schema.createIndex("project_members_user").on("project_members").columns(["user_id", "organization_id"]).execute();
  await db.schema.createIndex("project_members_external_id").on("project_members").columns(["project_id", "external_id"]).unique().execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("owner_user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("permissions", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("redacted", "text", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn("external_id", "text")
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .addColumn(...ts("updated_at"), (c) => c.notNull())
    .execute();
  await db.schema.createIndex("api_keys_project").on("api_keys").columns(["project_id", "created_at"]).execute();
  await db.schema
    .createIndex("api_keys_live_external_id")
    .on("api_keys")
    .columns(["project_id", "external_id"])
    .unique()
    .where(sql.ref("revoked_at"), "is", null)
    .execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organization_id", "text")
    .addColumn("project_id", "text")
    .addColumn("actor_user_id", "text", (c) => c.notNull())
    .addColumn("actor_email", "text", (c) => c.notNull())
    .addColumn("actor_ip", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_id", "text", (c) => c.notNull())
    .addColumn("changes", "text", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_events_org").on("audit_events").columns(["organization_id", "at", "id"]).execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("status", "integer", (c) => c.notNull())
    .addColumn("response", "text", (c) => c.notNull())
    .addColumn(...ts("created_at"), (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["user_id", "key"])
    .execute();
}
