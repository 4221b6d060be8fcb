import { Kysely, sql } from "kysely";
import { boundConstraint, MONTH_BOUNDS } from "../../usage/month-bounds";

/**
 * What ingestion records beyond migration 003.
 *
 * `usage_events.priced_as`: the price entry an event was priced by, beside the model name the
 * client sent (`gpt-4o` for `gpt-4o-2024-08-06`, usage/model-names.ts); null for older events.
 *
 * An organization's totals per month, written with every batch: the CHECK constraints keep each
 * within what the views can sum exactly (usage/month-bounds.ts). A batch that would pass one fails
 * its upsert, so concurrent batches on PostgreSQL cannot pass a bound together (the row is locked
 * by the first until it commits). Filled from the invoice lines recorded before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("usage_events").addColumn("priced_as", "text").execute();
  let table = db.schema
    .createTable("usage_org_monthly")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("month", "text", (c) => c.notNull())
    .addColumn("requests", "bigint", (c) => c.notNull())
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_micros", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_org_monthly_pk", ["organization_id", "month"]);
  for (const [column, bound] of Object.entries(MONTH_BOUNDS)) {
    table = table.addCheckConstraint(boundConstraint(column as keyof typeof MONTH_BOUNDS), sql`${sql.ref(column)} <= ${sql.raw(bound.toString())}`);
  }
  await table.execute();
  await sql`insert into usage_org_monthly (organization_id, month, requests, input_tokens, output_tokens, cost_micros)
    select organization_id, month, sum(requests), sum(input_tokens), sum(output_tokens), sum(cost_micros)
    from usage_monthly group by organization_id, month`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("usage_org_monthly").execute();
  await db.schema.alterTable("usage_events").dropColumn("priced_as").execute();
}
