import { Kysely } from "kysely";

/**
 * Adding a member by an email with no account invites them (issue 22): the deployment's
 * `externalId` for that membership waits on the invitation and becomes the membership's (with its
 * claim) when they accept. Null for invitations sent directly.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("invitations").addColumn("external_id", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("invitations").dropColumn("external_id").execute();
}
