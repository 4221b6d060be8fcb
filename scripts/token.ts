import { email as emailSchema } from "../schema/common";
import { days } from "../schema/common";
import { signInDefaults } from "../backend/auth/context";
import { newId } from "../backend/auth/credentials";
import { ConfigError, loadConfig } from "../backend/config";
import { recordAudit } from "../backend/services/audit.service";
import { mintToken, tokenChanges } from "../backend/services/tokens.service";
import { openStore } from "../backend/store/db";
import { migrateToLatest } from "../backend/store/migrate";
import { findTokenByHash } from "../backend/store/tokens.repository";
import { ensurePerson } from "../backend/store/users.repository";
import { hashSecret } from "../backend/auth/credentials";

const USAGE = "usage: npm run -s token -- EMAIL [--expires-in-days N]";

function parseArgs(argv: string[]): { email: string; expiresInDays?: number } {
  const rest = [...argv];
  let expiresInDays: number | undefined;
  const i = rest.indexOf("--expires-in-days");
  if (i >= 0) {
    const parsed = days.safeParse(Number(rest[i + 1]));
    if (!parsed.success) throw new ConfigError(`--expires-in-days must be a whole number of days from 1 to 3650\n${USAGE}`);
    expiresInDays = parsed.data;
    rest.splice(i, 2);
  }
  if (rest.length !== 1) throw new ConfigError(USAGE);
  const email = emailSchema.safeParse(rest[0]);
  if (!email.success) throw new ConfigError(`EMAIL must be an email address such as ana@example.com\n${USAGE}`);
  return { email: email.data, expiresInDays };
}

/**
 * Mints a management token on the server host, writing to the store of TENANCY_DATABASE_URL (also
 * while the backend runs: SQLite's immediate transactions and busy timeout make them take turns).
 * Prints the token as the only line on stdout.
 */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  try {
    await migrateToLatest(store.db);
    const value = await store.db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      const user = await ensurePerson(trx, args.email, now);
      const created = await mintToken(trx, user.id, "cli", now, args.expiresInDays);
      const token = (await findTokenByHash(trx, hashSecret(created.token!)))!;
      const ctx = { store, caller: { user, token }, ip: "local", requestId: newId("req"), now, signIn: signInDefaults(config) };
      await recordAudit(ctx, trx, { organizationId: null, action: "token.created", target: { type: "token", id: created.id }, changes: tokenChanges(created) });
      return created.token!;
    });
    process.stdout.write(`${value}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `token: ${error instanceof Error ? error.message : String(error)}`}\n`);
  process.exit(1);
});
