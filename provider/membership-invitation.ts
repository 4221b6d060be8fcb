import { z } from "zod";
import { idOf, membership, timestamp } from "../schema";
import { Invitation, invitation as invitationObject } from "../schema/invitation";
import type { Added, Scope, TenancyClient } from "./client";
import type { Call } from "./define-resource";
import { isCode } from "./inputs";

/**
 * A Membership of a person without an account is an invitation (DESIGN.md "Invitation is not a
 * resource"): adding them answers 202 with the organization's invitation, which a project
 * membership joins as one of its project grants. Until the person accepts, the resource shows
 * `status: invited`, with the invitation's id and expiry, and `acceptUrl` (a secret) from the `up`
 * that sent it. Refresh follows the invitation: accepted → the real membership (`active`, with its
 * `userId`); expired or revoked → that status, which diff takes as a change, so the next `up`
 * sends a new invitation.
 */

export const MEMBERSHIP_STATUSES = ["active", "invited", "expired", "revoked"] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/** The object a Membership resource holds: the API's membership, or the invitation that will make it. */
export const membershipState = membership.extend({
  /** Absent until the invited person accepts. */
  userId: idOf("user").optional(),
  kind: membership.shape.kind.optional(),
  updatedAt: timestamp.optional(),
  version: membership.shape.version.optional(),
  status: z.enum(MEMBERSHIP_STATUSES),
  invitationId: idOf("invitation").optional(),
  invitationExpiresAt: timestamp.optional(),
  /** The link the invited person accepts with: a credential, shown only by the `up` that sent it. */
  acceptUrl: z.string().optional(),
});
export type MembershipState = z.infer<typeof membershipState>;

/** What the functions here need of a Membership's inputs or state. */
interface Declared extends Scope {
  email: string;
  role: MembershipState["role"];
}

export const active = (m: z.infer<typeof membership>): MembershipState => ({ ...m, status: "active" });

/** The Membership an invitation stands for in `scope`: its status, and the role it grants there. */
export function invited(inv: Invitation & { acceptUrl?: string }, scope: Declared): MembershipState {
  const role = scope.projectId ? (inv.projects.find((p) => p.projectId === scope.projectId)?.role ?? scope.role) : inv.role;
  const status = ({ pending: "invited", accepted: "active", expired: "expired", revoked: "revoked" } as const)[inv.status];
  return {
    email: inv.email,
    role,
    organizationId: inv.organizationId,
    ...(scope.projectId ? { projectId: scope.projectId } : {}),
    status,
    invitationId: inv.id,
    invitationExpiresAt: inv.expiresAt,
    ...(inv.acceptUrl ? { acceptUrl: inv.acceptUrl } : {}),
    createdAt: inv.createdAt,
  };
}

export const fromAdded = (added: Added, scope: Declared): MembershipState => (added.membership ? active(added.membership) : invited(added.invitation, scope));

/** The pending invitation a 409 `invitation_pending` carries. */
export function pendingInvitation(err: unknown): Invitation | undefined {
  if (!isCode(err, "invitation_pending")) return undefined;
  const parsed = invitationObject.safeParse(err.extras.existing);
  return parsed.success ? parsed.data : undefined;
}

/** The person's membership in `scope` once they have one (found by email: state has no user id yet). */
async function memberByEmail(client: TenancyClient, scope: Declared) {
  return (await client.members.list({ organizationId: scope.organizationId, projectId: scope.projectId }, { email: scope.email })).data[0];
}

/**
 * The invitation a Membership without a user id stands for. An organization's is the one it sent
 * (state holds its id). A project's grant lives in the organization's invitation of the person,
 * which is sent anew (carrying the grant) when it lapses or changes role: so it is the person's
 * newest invitation in the organization, whichever the state names.
 */
async function invitationOf({ client, gone }: Call, props: Declared & { invitationId: string }): Promise<Invitation | undefined> {
  if (props.projectId) {
    const [newest] = (await client.invitations.list(props.organizationId, { email: props.email, order: "newest", limit: 1 })).data;
    if (newest) return newest;
  }
  return gone(client.invitations.get(props.organizationId, props.invitationId));
}

/**
 * Refresh of a Membership that is (or was) an invitation. A project grant taken out of the
 * invitation outside the stack reads as revoked, like the invitation itself; an accepted
 * invitation is the membership it made, or gone when that membership was removed since.
 */
export async function readInvited(call: Call, props: Declared & { invitationId: string }): Promise<MembershipState | undefined> {
  const inv = await invitationOf(call, props);
  if (!inv) return undefined;
  if (inv.status === "accepted") {
    const m = await memberByEmail(call.client, props);
    return m && active(m);
  }
  const granted = !props.projectId || inv.projects.some((p) => p.projectId === props.projectId);
  return granted ? invited(inv, props) : { ...invited(inv, props), status: "revoked" };
}

/**
 * Withdraws what a Membership without a user id grants: the organization's invitation is revoked,
 * a project's grant taken out of it. One accepted meanwhile made a membership: that is removed
 * (by `remove`, which knows the last admin and the deployer's own). Expired or revoked: nothing left.
 */
export async function withdraw(call: Call, props: Declared & { invitationId: string }, remove: (userId: string) => Promise<void>): Promise<void> {
  const { client } = call;
  const inv = await invitationOf(call, props);
  if (inv?.status === "accepted") {
    const m = await memberByEmail(client, props);
    if (m) await remove(m.userId);
    return;
  }
  if (inv?.status !== "pending") return;
  if (props.projectId) await client.invitations.dropProject(props.organizationId, inv.id, props.projectId);
  else await client.invitations.revoke(props.organizationId, inv.id);
}

/**
 * Before an organization invitation is sent anew (a new role, or the old one expired or was
 * revoked): the old one is revoked if still pending, and its project grants are answered, so the
 * caller can carry them into the new invitation (the project Memberships that declared them were
 * not changed and will not add them again).
 */
export async function retire(client: TenancyClient, orgId: string, invitationId: string): Promise<Invitation["projects"]> {
  let inv: Invitation;
  try {
    inv = await client.invitations.get(orgId, invitationId);
  } catch (err) {
    if (isCode(err, "not_found")) return [];
    throw err;
  }
  if (inv.status === "pending") await client.invitations.revoke(orgId, invitationId);
  return inv.status === "accepted" ? [] : inv.projects;
}
