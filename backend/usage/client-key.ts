import { TenancyError } from "../../schema/errors";
import type { AuthCache } from "../auth/auth-cache";
import { API_KEY_PREFIX, hashSecret, statusOf } from "../auth/credentials";
import { TOUCH_EVERY_MS } from "../auth/org-policy";
import type { Store } from "../store/db";
import { findApiKeyByHash, touchApiKey } from "../store/api-keys.repository";
import type { ProjectLimits } from "./limits";

/** The key `authorize` decides about: active, of an active project of a live organization. */
export interface ClientKey {
  apiKeyId: string;
  projectId: string;
  organizationId: string;
  permissions: "all" | "read_only";
  limits: ProjectLimits;
}

// One message for every failure: the gateway may relay it to the client, who learns nothing about another key.
const KEY_INVALID = `apiKey is not an active project API key (${API_KEY_PREFIX}…): it is unknown, revoked or expired, or its project is archived`;

/**
 * Resolves the client's key from `authorize`'s body, or throws 403 key_invalid. The rows may come
 * from `cache` (at most its TTL old: a revocation, an archival or a lowered limit made on another
 * instance counts within it); expiry is judged on them each time.
 */
export async function resolveClientKey(store: Store, secret: string, now: Date, cache: AuthCache): Promise<ClientKey> {
  if (!secret.startsWith(API_KEY_PREFIX)) throw new TenancyError("key_invalid", KEY_INVALID);
  const hash = hashSecret(secret);
  const found = await cache.get(`key:${hash}`, now.getTime(), () => findApiKeyByHash(store.db, hash));
  const iso = now.toISOString();
  if (!found || statusOf(found.apiKey, iso) !== "active" || found.project.status !== "active" || found.organization.deleted_at !== null) {
    throw new TenancyError("key_invalid", KEY_INVALID);
  }
  // DESIGN.md: a key's lastUsedAt is at most 60 s behind.
  if (!found.apiKey.last_used_at || now.getTime() - Date.parse(found.apiKey.last_used_at) > TOUCH_EVERY_MS) {
    await touchApiKey(store.db, found.apiKey.id, iso);
    // The remembered row then says what the table says, or every request until it expires would touch again.
    found.apiKey.last_used_at = iso;
  }
  return {
    apiKeyId: found.apiKey.id,
    projectId: found.project.id,
    organizationId: found.organization.id,
    permissions: found.apiKey.permissions === "read_only" ? "read_only" : "all",
    limits: found.project.fields.limits ?? {},
  };
}
