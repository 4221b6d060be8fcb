import { TenancyError } from "../../schema/errors";
import type { Store } from "../store/db";
import { findTokenWithUser, touchToken } from "../store/tokens.repository";
import type { Caller } from "../services/context";
import { AuthCache, NO_AUTH_CACHE } from "./auth-cache";
import { API_KEY_PREFIX, bearer, hashSecret, statusOf } from "./credentials";
import { longestIdleMs, TOUCH_EVERY_MS } from "./org-policy";

// One message for every failure, so a 401 never says whether a token exists.
const UNAUTHENTICATED = "authorization must be \"Bearer <management token>\" with an active token (tmt_…); create one with npm run token or POST /v1/tokens";

export function unauthenticated(): TenancyError {
  return new TenancyError("unauthenticated", UNAUTHENTICATED);
}

/**
 * Resolves `Authorization: Bearer …` to a caller, or throws 401 `unauthenticated`. A service
 * account's tokens die with its organization: the lookup refuses them once it is deleted. The
 * token's row may come from `cache` (at most its TTL old); revocation and expiry are judged on
 * it each time.
 */
export async function resolveCaller(store: Store, authorization: string | undefined, now: Date, cache: AuthCache = NO_AUTH_CACHE): Promise<Caller> {
  const secret = bearer(authorization);
  // API keys authenticate workloads to the data plane only, never the management API.
  if (!secret || secret.startsWith(API_KEY_PREFIX)) throw unauthenticated();
  const hash = hashSecret(secret);
  const found = await cache.get(`token:${hash}`, now.getTime(), () => findTokenWithUser(store.db, hash));
  const iso = now.toISOString();
  if (!found || statusOf(found.token, iso) !== "active" || found.orphaned) throw unauthenticated();
  const { token, user } = found;
  // Writing last_used_at on every request would turn reads into writes; a minute's precision will do.
  const idleMs = now.getTime() - Date.parse(token.last_used_at ?? token.created_at);
  if (idleMs <= TOUCH_EVERY_MS) return { user, token };
  const idleMaxSeconds = Math.floor(longestIdleMs(token, now.getTime()) / 1000);
  await touchToken(store.db, token.id, iso, idleMaxSeconds);
  // This request is judged on the idle stretch it just ended; the remembered row then says what
  // the table says, or every request until it expires would write the touch again.
  const caller = { user, token: { ...token } };
  token.last_used_at = iso;
  token.idle_max_seconds = idleMaxSeconds;
  return caller;
}
