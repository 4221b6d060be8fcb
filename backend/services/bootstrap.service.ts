import { hashSecret } from "../auth/credentials";
import type { Store } from "../store/db";
import { findTokenByHash } from "../store/tokens.repository";
import { anyUserExists, ensurePerson } from "../store/users.repository";
import { mintToken } from "./tokens.service";

/**
 * On an empty store, installs the operator's bootstrap user and token (dev, CI). Several
 * instances may start at once on one PostgreSQL: the user insert tolerates a winner, and the
 * token is only added if no instance added it first.
 */
export async function bootstrapIfEmpty(store: Store, bootstrap: { email: string; token: string } | undefined): Promise<boolean> {
  if (!bootstrap) return false;
  const install = () =>
    store.db.transaction().execute(async (trx) => {
      if (await anyUserExists(trx)) return false;
      const now = new Date().toISOString();
      const user = await ensurePerson(trx, bootstrap.email, now);
      await mintToken(trx, user.id, "bootstrap", now, undefined, bootstrap.token);
      return true;
    });
  try {
    return await install();
  } catch (error) {
    // Another instance installed the same token between our check and our insert.
    if (await findTokenByHash(store.db, hashSecret(bootstrap.token))) return false;
    throw error;
  }
}
