import { Kysely } from "kysely";

/**
 * Organizations' own identity providers (issue 22): a device authorization and an authorization
 * code flow remember which organization's provider they were started with (null: the instance
 * default), since one issuer may serve several organizations under different clients. A browser
 * sign-in (no device) keeps the email it was started for and the same-origin path to return to.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("device_authorizations").addColumn("organization_id", "text").execute();
  await db.schema.alterTable("sign_in_requests").addColumn("organization_id", "text").execute();
  await db.schema.alterTable("sign_in_requests").addColumn("email", "text").execute();
  await db.schema.alterTable("sign_in_requests").addColumn("return_to", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ["return_to", "email", "organization_id"]) await db.schema.alterTable("sign_in_requests").dropColumn(column).execute();
  await db.schema.alterTable("device_authorizations").dropColumn("organization_id").execute();
}
