import { TenancyError } from "../../schema/errors";
import type { Store } from "../store/db";
import { findApiKeyByHash, touchApiKey } from "../store/api-keys.repository";
import type { OrgRecord } from "../store/organizations.repository";
import type { ProjectRecord } from "../store/projects.repository";
import type { ApiKeyRow } from "../store/tables";
import { AuthCache, NO_AUTH_CACHE } from "./auth-cache";
import { API_KEY_PREFIX, bearer, hashSecret, statusOf } from "./credentials";
import { TOUCH_EVERY_MS } from "./org-policy";

/** Who calls the data plane: an active key of an active project of a live organization. */
export interface ApiKeyPrincipal {
  readonly apiKey: ApiKeyRow;
  readonly project: ProjectRecord;
  readonly organization: OrgRecord;
}

// One message for every failure, so a 401 never says whether a key exists or why it stopped working.
const UNAUTHENTICATED = `authorization must be "Bearer <project API key>" with an active key (${API_KEY_PREFIX}…) of an active project; management tokens do not work here`;

/**
 * Resolves `Authorization: Bearer tpk_…` to its key, project and organization, or throws 401.
 * The rows may come from `cache` (at most its TTL old: a revocation, an archival or a lowered
 * limit made on another instance counts within it); expiry is judged on them each time.
 */
export async function resolveApiKey(store: Store, authorization: string | undefined, now: Date, cache: AuthCache = NO_AUTH_CACHE): Promise<ApiKeyPrincipal> {
  const secret = bearer(authorization);
  if (!secret?.startsWith(API_KEY_PREFIX)) throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  const hash = hashSecret(secret);
  const found = await cache.get(`key:${hash}`, now.getTime(), () => findApiKeyByHash(store.db, hash));
  const iso = now.toISOString();
  if (!found || statusOf(found.apiKey, iso) !== "active") {
    throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  }
  if (found.project.status !== "active" || found.organization.deleted_at !== null) throw new TenancyError("unauthenticated", UNAUTHENTICATED);
  // DESIGN.md: a key's lastUsedAt is at most 60 s behind.
  if (!found.apiKey.last_used_at || now.getTime() - Date.parse(found.apiKey.last_used_at) > TOUCH_EVERY_MS) {
    await touchApiKey(store.db, found.apiKey.id, iso);
    // The remembered row then says what the table says, or every request until it expires would touch again.
    found.apiKey.last_used_at = iso;
  }
  return found;
}
