import { Kysely } from "kysely";

/**
 * Sign-in with OpenID Connect (issue 22). A token minted by a sign-in records where and how the
 * person signed in (`sso_*`; tokens minted from it copy them), so an organization can demand its
 * own provider and MFA at each request. `identities` links a provider's subject to a user once its
 * first sign-in matched the user's email. A device authorization (RFC 8628) waits for its person
 * at the verification page; a sign-in request holds one authorization code flow's state, nonce
 * and PKCE verifier until the provider calls back, and is used once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tokens").addColumn("sso_issuer", "text").execute();
  await db.schema.alterTable("tokens").addColumn("sso_subject", "text").execute();
  await db.schema.alterTable("tokens").addColumn("sso_auth_time", "text").execute();
  await db.schema.alterTable("tokens").addColumn("sso_mfa", "integer").execute();

  await db.schema
    .createTable("identities")
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("identities_pk", ["issuer", "subject"])
    .addUniqueConstraint("identities_user_issuer", ["user_id", "issuer"])
    .execute();

  await db.schema
    .createTable("device_authorizations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("device_hash", "text", (c) => c.notNull().unique())
    .addColumn("user_code", "text", (c) => c.notNull().unique())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("interval_seconds", "integer", (c) => c.notNull())
    .addColumn("polled_at", "text")
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.references("users.id"))
    .addColumn("subject", "text")
    .addColumn("auth_time", "text")
    .addColumn("mfa", "integer")
    .addColumn("failure", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("sign_in_requests")
    .addColumn("state_hash", "text", (c) => c.primaryKey())
    .addColumn("device_id", "text", (c) => c.references("device_authorizations.id"))
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("code_verifier", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("sign_in_requests").execute();
  await db.schema.dropTable("device_authorizations").execute();
  await db.schema.dropTable("identities").execute();
  for (const column of ["sso_mfa", "sso_auth_time", "sso_subject", "sso_issuer"]) await db.schema.alterTable("tokens").dropColumn(column).execute();
}
