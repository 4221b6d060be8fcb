import { TenancyError } from "../../schema/errors";
import { AuthCache, NO_AUTH_CACHE } from "../auth/auth-cache";
import { bearer, GATEWAY_PREFIX, hashSecret } from "../auth/credentials";
import { TOUCH_EVERY_MS } from "../auth/org-policy";
import type { Store } from "../store/db";
import { findGatewayCredentialByHash, touchGatewayCredential } from "../store/gateway-credentials.repository";

/** Who calls the data plane: a live gateway credential of the platform operator. */
export interface GatewayPrincipal {
  readonly id: string;
  readonly name: string;
}

// One message for every failure, so a 401 never says whether a credential exists or why it stopped working.
const UNAUTHENTICATED = `authorization must be "Bearer <gateway credential>" with a live gateway credential (${GATEWAY_PREFIX}…, minted on the server host with npm run -s gateway-token -- NAME); project API keys and management tokens do not work here`;

/**
 * Resolves `Authorization: Bearer tgw_…` to its live credential, or throws 401. The row may come
 * from `cache` (at most its TTL old: a revocation counts on every instance within it).
 */
export async function resolveGateway(store: Store, authorization: string | undefined, now: Date, cache: AuthCache = NO_AUTH_CACHE): Promise<GatewayPrincipal> {
  const secret = bearer(authorization);
  if (!secret?.startsWith(GATEWAY_PREFIX)) throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  const hash = hashSecret(secret);
  const found = await cache.get(`gateway:${hash}`, now.getTime(), () => findGatewayCredentialByHash(store.db, hash));
  if (!found || found.revoked_at !== null) throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  if (!found.last_used_at || now.getTime() - Date.parse(found.last_used_at) > TOUCH_EVERY_MS) {
    const iso = now.toISOString();
    await touchGatewayCredential(store.db, found.id, iso);
    found.last_used_at = iso;
  }
  return { id: found.id, name: found.name };
}
