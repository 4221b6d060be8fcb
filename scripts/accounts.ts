import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { openStore } from "../backend/store/db";
import { migrateToLatest } from "../backend/store/migrate";
import { ensurePerson } from "../backend/store/users.repository";
import { loadLayoutFile } from "../provider/layout";

/**
 * The accounts `npm start` makes on the host before it deploys. Adding a person without an
 * account to an organization invites them (they join once they accept, signed in), and a key can
 * be owned only by a member: so the layout's key owners get accounts first, the way `npm run
 * token` makes one, and everyone else in the layout is invited.
 */

/** The layout file the root program deploys for `stack`: its `tenancy:layout` config, else tenancy.yaml. */
export function layoutFileOf(root: string, stack: string): string {
  const config = join(root, `Pulumi.${stack}.yaml`);
  const declared = existsSync(config) ? (parse(readFileSync(config, "utf8")) as { config?: Record<string, unknown> } | null)?.config?.["tenancy:layout"] : undefined;
  return resolve(root, typeof declared === "string" ? declared : "tenancy.yaml");
}

/** Every key owner the layout names, once each. */
export function keyOwnersOf(file: string): string[] {
  return [...new Set(loadLayoutFile(file).projects.flatMap((p) => p.keys.map((k) => k.owner)))].sort();
}

/** Makes an account for each email that has none, in the store at `databaseUrl` (migrated first). */
export async function ensureAccounts(databaseUrl: string, emails: readonly string[]): Promise<void> {
  const store = openStore(databaseUrl);
  try {
    await migrateToLatest(store.db);
    const now = new Date().toISOString();
    await store.db.transaction().execute(async (trx) => {
      for (const email of emails) await ensurePerson(trx, email, now);
    });
  } finally {
    await store.close();
  }
}
