import { invalidField } from "../http/validate";

/**
 * A credential's expiry may be brought forward, never pushed back: a rotation ends the old
 * credential's overlap this way, while a lifetime, granted once at creation within the
 * organization's maximum, can never be extended by a PATCH.
 */
export function broughtForward(current: string | null, requested: string | null | undefined): string | null {
  if (requested === undefined) return current;
  if (requested === null) {
    if (current === null) return null;
    throw invalidField("expiresAt", `may only be brought forward: it is ${current}, and null (never) would extend it`);
  }
  // Stored as `toISOString()` text, so that comparing strings compares instants.
  const at = new Date(requested).toISOString();
  if (current !== null && at > current) throw invalidField("expiresAt", `must be at or before ${current}, the current expiry: an expiry is brought forward, never extended`);
  return at;
}
