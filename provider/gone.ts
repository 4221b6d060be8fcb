import { TenancyClient } from "./client";
import { isCode } from "./inputs";

/**
 * A 404 from the API means "missing" or "not visible to this token", and the API rightly does
 * not tell them apart. Before refresh drops a resource, or delete passes over it, the provider
 * makes sure it is the former: the caller still sees the organization (so the object itself is
 * gone), or the caller is the identity that deployed it (so the organization is gone). Otherwise
 * the token is most likely another user's, and the operation fails saying so.
 */
export interface Whereabouts {
  /** `Project "chat-prod"`: how the error names the resource. */
  label: string;
  organizationId: string;
  /** The user whose token created the resource (absent in state written before it was kept). */
  deployedBy?: string;
  /** The resource is the organization itself: its own 404 already says the caller cannot see it. */
  isOrganization?: boolean;
}

export const GONE = Symbol("gone");

/** Awaits `call`; a 404 becomes `GONE` once confirmed, and an error naming the likely mistake otherwise. */
export async function unlessGone<T>(client: TenancyClient, call: Promise<T>, where: Whereabouts): Promise<T | typeof GONE> {
  try {
    return await call;
  } catch (err) {
    if (!isCode(err, "not_found")) throw err;
    await confirmGone(client, where);
    return GONE;
  }
}

async function confirmGone(client: TenancyClient, where: Whereabouts): Promise<void> {
  if (!where.isOrganization && (await client.canSee(where.organizationId))) return;
  const { user } = await client.me();
  if (where.deployedBy === user.id) return;
  const deployer = where.deployedBy ? `${where.deployedBy}, who deployed it` : "the identity that deployed it";
  throw new Error(
    `${where.label} was not found, and ${user.email} (${user.id}) cannot see organization ${where.organizationId}: ` +
      `tenancy:token (or TENANCY_TOKEN) is most likely the token of a user who is not a member of it. ` +
      `Use a token of a member of the organization, or of ${deployer}; nothing was removed from the state`,
  );
}
