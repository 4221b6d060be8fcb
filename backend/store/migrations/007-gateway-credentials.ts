import { randomBytes } from "node:crypto";
import { Kysely, sql } from "kysely";

/**
 * The data plane trusts the gateway, not the client (issue 21).
 *
 * `gateway_credentials`: the instance-wide credentials (`tgw_…`) of the platform operator's
 * gateways, the only callers of `/v1/authorize` and `/v1/usage`; stored as a hash, a name unique
 * among the live ones.
 *
 * `instance_secrets`: `reservation_mac`, the key that seals a reservation id to the API key it was
 * issued for (usage/reservation-seal.ts), the same on every instance of the store.
 *
 * `usage_events` is rebuilt with `gateway_id`: an eventId now counts once per gateway credential
 * and project, so no one but the gateway can claim one first. Events recorded before (reported
 * with a project key) keep gateway_id '' and can never collide with a gateway's.
 */
const COLUMNS = "project_id, event_id, api_key_id, organization_id, model, priced_as, input_tokens, output_tokens, cost_micros, at, received_at";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("gateway_credentials")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("redacted", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("revoked_at", "text")
    .addColumn("last_used_at", "text")
    .execute();
  await db.schema.createIndex("gateway_credentials_live_name").on("gateway_credentials").column("name").unique().where(sql.ref("revoked_at"), "is", null).execute();

  await db.schema
    .createTable("instance_secrets")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();
  await db.insertInto("instance_secrets").values({ name: "reservation_mac", value: randomBytes(32).toString("hex") }).execute();

  await db.schema
    .createTable("usage_events_by_gateway")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("api_key_id", "text", (c) => c.notNull().references("api_keys.id"))
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("priced_as", "text")
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_micros", "bigint", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("gateway_id", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_events_gateway_pk", ["project_id", "gateway_id", "event_id"])
    .execute();
  await sql`insert into usage_events_by_gateway (${sql.raw(COLUMNS)}, gateway_id) select ${sql.raw(COLUMNS)}, '' from usage_events`.execute(db);
  await db.schema.dropTable("usage_events").execute();
  await db.schema.alterTable("usage_events_by_gateway").renameTo("usage_events").execute();
  await db.schema.createIndex("usage_events_at").on("usage_events").column("at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("instance_secrets").execute();
  await db.schema.dropTable("gateway_credentials").execute();
}
