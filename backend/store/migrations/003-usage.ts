import { Kysely } from "kysely";

/**
 * The data plane's tables (backend/usage). Raw events exist to deduplicate `eventId`s and are
 * pruned after 35 days; the rollups (per hour, per day, per month) are written in the same
 * transaction as the events and are what every view reads, so no view scans raw events.
 * Counters are bigint: a busy project passes 2^31 tokens in a month.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("usage_events")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("api_key_id", "text", (c) => c.notNull().references("api_keys.id"))
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_micros", "bigint", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("received_at", "text", (c) => c.notNull())
    // An eventId counts once per project: the second insert of the pair is a duplicate.
    .addPrimaryKeyConstraint("usage_events_pk", ["project_id", "event_id"])
    .execute();
  await db.schema.createIndex("usage_events_at").on("usage_events").column("at").execute();

  for (const [table, start] of [
    ["usage_hourly", "start"],
    ["usage_daily", "start"],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn(start, "text", (c) => c.notNull())
      .addColumn("organization_id", "text", (c) => c.notNull())
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("api_key_id", "text", (c) => c.notNull())
      .addColumn("model", "text", (c) => c.notNull())
      .addColumn("requests", "bigint", (c) => c.notNull())
      .addColumn("input_tokens", "bigint", (c) => c.notNull())
      .addColumn("output_tokens", "bigint", (c) => c.notNull())
      .addColumn("cost_micros", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["project_id", "api_key_id", "model", start])
      .execute();
    await db.schema.createIndex(`${table}_org`).on(table).columns(["organization_id", start]).execute();
  }

  // One row per invoice line (month × project × model); the invoice view reads only this table.
  await db.schema
    .createTable("usage_monthly")
    .addColumn("month", "text", (c) => c.notNull())
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("requests", "bigint", (c) => c.notNull())
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_micros", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_monthly_pk", ["project_id", "model", "month"])
    .execute();
  await db.schema.createIndex("usage_monthly_org").on("usage_monthly").columns(["organization_id", "month"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["usage_monthly", "usage_daily", "usage_hourly", "usage_events"]) await db.schema.dropTable(t).execute();
}
