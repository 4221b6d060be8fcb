import { ConfigError, loadConfig } from "../backend/config";
import { openStore } from "../backend/store/db";
import { migrateToLatest } from "../backend/store/migrate";
import { GatewayCredentialError, listGateways, mintGatewayCredential, revokeGatewayCredentialByName } from "../backend/usage/gateway-credentials.service";

const USAGE = "usage: npm run -s gateway-token -- NAME | --revoke NAME|ID | --list";

type Command = { mint: string } | { revoke: string } | { list: true };

function parseArgs(argv: string[]): Command {
  if (argv.length === 1 && argv[0] === "--list") return { list: true };
  if (argv.length === 2 && argv[0] === "--revoke") return { revoke: argv[1] };
  if (argv.length === 1 && !argv[0].startsWith("-")) return { mint: argv[0] };
  throw new ConfigError(USAGE);
}

/** A line for the host's log: what changed, never the secret. */
const logLine = (msg: string, fields: object) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`);

/**
 * Mints, revokes or lists the data plane's gateway credentials on the server host, in the store
 * of TENANCY_DATABASE_URL (also while the backend runs). Minting prints the secret as the only
 * line on stdout; it is stored only as a hash and never shown again.
 */
async function main(): Promise<void> {
  const command = parseArgs(process.argv.slice(2));
  const store = openStore(loadConfig().databaseUrl);
  try {
    await migrateToLatest(store.db);
    const now = new Date().toISOString();
    if ("list" in command) {
      for (const c of await listGateways(store.db)) process.stdout.write(`${[c.id, c.name, c.redacted, c.createdAt, c.revokedAt ? `revoked ${c.revokedAt}` : "live", c.lastUsedAt ? `last used ${c.lastUsedAt}` : "never used"].join("  ")}\n`);
    } else if ("revoke" in command) {
      const c = await store.db.transaction().execute((trx) => revokeGatewayCredentialByName(trx, command.revoke, now));
      logLine("gateway credential revoked", { id: c.id, name: c.name, redacted: c.redacted });
    } else {
      const { credential, secret } = await store.db.transaction().execute((trx) => mintGatewayCredential(trx, command.mint, now));
      logLine("gateway credential created", { id: credential.id, name: credential.name, redacted: credential.redacted });
      process.stdout.write(`${secret}\n`);
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof GatewayCredentialError;
  process.stderr.write(`${known ? (error as Error).message : `gateway-token: ${error instanceof Error ? error.message : String(error)}`}\n`);
  process.exit(1);
});
