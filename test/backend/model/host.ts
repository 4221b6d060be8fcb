import { openStore, Store } from "../../../backend/store/db";
import { ensurePerson } from "../../../backend/store/users.repository";
import { mintToken } from "../../../backend/services/tokens.service";
import { Backend } from "../../support/backend";
import { sqlQuery } from "../helpers";

/**
 * Host-side helpers for the property test: what `npm run -s token` does, but in this process.
 * Spawning the token script costs about a second per person on this machine, and every sequence
 * needs fresh people (unique emails, so sequences never see each other's organizations), so the
 * test mints with the backend's own functions on the same store instead.
 */
export class Host {
  private constructor(private readonly backend: Backend, private readonly store: Store) {}

  static open(backend: Backend): Host {
    return new Host(backend, openStore(backend.databaseUrl));
  }

  async mintPerson(email: string): Promise<{ userId: string; token: string; tokenId: string }> {
    return this.store.db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      const user = await ensurePerson(trx, email, now);
      const created = await mintToken(trx, user.id, "model", now);
      return { userId: user.id, token: created.token!, tokenId: created.id };
    });
  }

  /**
   * The token a finished sign-in mints (backend/sign-in/device.service.ts), at `issuer`, with or
   * without a second factor. The real flow runs against a real identity provider in
   * sign-in.test.ts; here a sequence needs many sessions, at two providers, in a second each.
   */
  async mintSignedIn(userId: string, issuer: string, mfa: boolean): Promise<{ token: string; tokenId: string }> {
    const now = new Date().toISOString();
    const signIn = { issuer, subject: `${userId}-at-idp`, authTime: now, mfa };
    const created = await mintToken(this.store.db, userId, "sign-in", now, 1, undefined, { ageFrom: now, idleMaxSeconds: 0, expiresAt: null, signIn });
    return { token: created.token!, tokenId: created.id };
  }

  /** Makes a token look `days` old, as `session.maxTokenLifetimeDays` measures it. */
  async age(tokenId: string, days: number): Promise<void> {
    const at = new Date(Date.now() - days * 86_400_000).toISOString();
    await sqlQuery(this.backend, "UPDATE tokens SET created_at = $1 WHERE id = $2", [at, tokenId]);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
