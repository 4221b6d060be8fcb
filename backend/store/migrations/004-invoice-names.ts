import { Kysely, sql } from "kysely";

/**
 * An invoice line names its project as it was named while the month took events (`project_name`,
 * written with each batch), so renaming a project later leaves a final invoice as it was.
 * Months recorded before this migration take the name the project has now.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("usage_monthly").addColumn("project_name", "text").execute();
  await sql`update usage_monthly set project_name = (select p.name from projects p where p.id = usage_monthly.project_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("usage_monthly").dropColumn("project_name").execute();
}
