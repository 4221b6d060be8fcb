import { Migration, MigrationProvider, Migrator } from "kysely";
import * as initial from "./migrations/001-initial";
import * as access from "./migrations/002-access";
import * as usage from "./migrations/003-usage";
import * as invoiceNames from "./migrations/004-invoice-names";
import * as usageIngestion from "./migrations/005-usage-ingestion";
import * as claims from "./migrations/006-claims";
import * as gatewayCredentials from "./migrations/007-gateway-credentials";
import * as signIn from "./migrations/008-sign-in";
import * as invitations from "./migrations/009-invitations";
import * as orgIdentityProviders from "./migrations/010-org-identity-providers";
import * as invitationExternalIds from "./migrations/011-invitation-external-ids";
import type { Db } from "./db";

/** Migrations are listed here, in order, rather than read from disk: the compiled set is the set. */
const MIGRATIONS: Record<string, Migration> = {
  "001-initial": initial,
  "002-access": access,
  "003-usage": usage,
  "004-invoice-names": invoiceNames,
  "005-usage-ingestion": usageIngestion,
  "006-claims": claims,
  "007-gateway-credentials": gatewayCredentials,
  "008-sign-in": signIn,
  "009-invitations": invitations,
  "010-org-identity-providers": orgIdentityProviders,
  "011-invitation-external-ids": invitationExternalIds,
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

/** Migrations the store has not run, in order: a tool that only reads refuses such a store rather than migrate it. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  return (await new Migrator({ db, provider }).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
