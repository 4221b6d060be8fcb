import { Migration, MigrationProvider, Migrator } from "kysely";
import * as initial from "./migrations/001-initial";
import * as access from "./migrations/002-access";
import type { Db } from "./db";

/** Migrations are listed here, in order, rather than read from disk: the compiled set is the set. */
const MIGRATIONS: Record<string, Migration> = {
  "001-initial": initial,
  "002-access": access,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the store up to the latest schema; Kysely's lock table keeps concurrent starters apart. */
export async function migrateToLatest(db: Db): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
