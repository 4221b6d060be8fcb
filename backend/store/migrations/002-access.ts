import { Kysely } from "kysely";

/**
 * Access (issue 7): a token minted with another token inherits its parent's age (`age_from`), and
 * the longest time a token went unused is kept (`idle_max_seconds`), so neither an organization's
 * `maxTokenLifetimeDays` nor its `idleTimeoutMinutes` can be escaped by minting a child token.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tokens").addColumn("age_from", "text").execute();
  await db.schema.alterTable("tokens").addColumn("idle_max_seconds", "integer").execute();
}
