import type { Kysely } from "kysely";
import type { Db, Executor } from "./db";

/** A gateway credential (migration 007): instance-wide, stored only as a hash. */
export interface GatewayCredentialRow {
  id: string;
  name: string;
  hash: string;
  /** The hint shown after creation: prefix and last four characters. */
  redacted: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

interface InstanceSecretRow {
  name: string;
  value: string;
}

type GatewayDb = Kysely<{ gateway_credentials: GatewayCredentialRow; instance_secrets: InstanceSecretRow }>;
const gatewayDb = (db: Executor) => (db as Db).withTables<{ gateway_credentials: GatewayCredentialRow; instance_secrets: InstanceSecretRow }>() as unknown as GatewayDb;

export async function insertGatewayCredential(db: Executor, row: GatewayCredentialRow): Promise<void> {
  await gatewayDb(db).insertInto("gateway_credentials").values(row).execute();
}

export function findGatewayCredentialByHash(db: Executor, hash: string): Promise<GatewayCredentialRow | undefined> {
  return gatewayDb(db).selectFrom("gateway_credentials").selectAll().where("hash", "=", hash).executeTakeFirst();
}

/** The live credential called `nameOrId`, or the one with that id (live or not). */
export function findGatewayCredential(db: Executor, nameOrId: string): Promise<GatewayCredentialRow | undefined> {
  return gatewayDb(db)
    .selectFrom("gateway_credentials")
    .selectAll()
    .where((eb) => eb.or([eb("id", "=", nameOrId), eb.and([eb("name", "=", nameOrId), eb("revoked_at", "is", null)])]))
    .executeTakeFirst();
}

export function listGatewayCredentials(db: Executor): Promise<GatewayCredentialRow[]> {
  return gatewayDb(db).selectFrom("gateway_credentials").selectAll().orderBy("created_at").orderBy("id").execute();
}

export async function revokeGatewayCredential(db: Executor, id: string, now: string): Promise<void> {
  await gatewayDb(db).updateTable("gateway_credentials").set({ revoked_at: now }).where("id", "=", id).where("revoked_at", "is", null).execute();
}

export async function touchGatewayCredential(db: Executor, id: string, now: string): Promise<void> {
  await gatewayDb(db).updateTable("gateway_credentials").set({ last_used_at: now }).where("id", "=", id).execute();
}

/** A secret the migrations made once for the whole store (instance_secrets). */
export async function instanceSecret(db: Executor, name: string): Promise<string | undefined> {
  return (await gatewayDb(db).selectFrom("instance_secrets").select("value").where("name", "=", name).executeTakeFirst())?.value;
}
