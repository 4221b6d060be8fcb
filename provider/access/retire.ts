import type { TenancyClient } from "../client";
import { isCode } from "../inputs";
import { overlapEnd } from "../overlap";
import { warn } from "../resource";
import { allPages } from "./pages";
import { Access, describeAccess, Kept } from "./undeclared";

/**
 * Takes away undeclared access: a member or project member is removed; a key, or a service
 * account's tokens, keep working until a rotation's overlap ends (`expiresAt = now + 24 h`, as
 * `rotationOverlapHours` defaults), so a workload still using one has time to move; a service
 * account left without a working token is then removed itself; a pending invitation is revoked
 * (in a project, the project is taken out of it). What the backend refuses (the last admin, a
 * member who still owns active keys, an invitation accepted meanwhile) stays, with a warning
 * that says why.
 */
export async function retire(client: TenancyClient, access: Access[], now = Date.now()): Promise<void> {
  const until = overlapEnd(undefined, now)!;
  for (const a of access) {
    try {
      await retireOne(client, a, until);
    } catch (err) {
      if (!isCode(err, "last_admin", "owns_active_keys", "invitation_closed")) throw err;
      warn(`kept ${describeAccess(a)}: ${err.message}`);
    }
  }
}

async function retireOne(client: TenancyClient, a: Access, until: string): Promise<void> {
  const scope = { organizationId: a.organizationId, projectId: a.projectId };
  if (a.kind === "apiKey") return void (await client.apiKeys.expireBy(a.organizationId, a.projectId!, a.id, until));
  if (a.kind === "invitation") {
    if (a.projectId) return void (await client.invitations.dropProject(a.organizationId, a.id, a.projectId));
    return void (await client.invitations.revoke(a.organizationId, a.id));
  }
  if (a.kind === "serviceAccount") {
    const tokens = (await allPages((q) => client.serviceAccounts.tokens(a.organizationId, a.id, q))).filter((t) => t.status === "active");
    if (tokens.length > 0) {
      for (const t of tokens.filter((t) => !t.expiresAt || t.expiresAt > until)) await client.serviceAccounts.expireTokenBy(a.organizationId, a.id, t.id, until);
      return;
    }
  }
  await client.members.remove(scope, a.id);
}

/** Says, once per run, what exclusive access leaves in place and why. */
export function warnKept(kept: Kept[]): void {
  for (const k of kept) warn(`kept ${describeAccess(k)} although no resource declares it: ${k.why}`);
}
