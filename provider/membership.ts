import { z } from "zod";
import { idOf, membership, membershipClaimId, orgMemberInput, orgRole, projectMemberInput, projectRole } from "../schema";
import { Scope, TenancyClient } from "./client";
import { assertRecoverable } from "./claims";
import { defineResource } from "./define-resource";
import { isCode, orMissing } from "./inputs";
import { active, fromAdded, invited, MembershipState, membershipState, pendingInvitation, readInvited, retire, withdraw } from "./membership-invitation";
import { warn } from "./resource";
import { resourceSpec, SpecArgs, SpecInputs, SpecOutputs } from "./spec";

/**
 * A user's role in an organization (no `projectId`: admin, billing, member, viewer) or in one of its
 * projects (owner, member, viewer). Changing `organizationId`, `projectId` or `email` replaces it;
 * a new `role` updates it in place. `status` says whether it is `active`, or an invitation of a
 * person without an account (`invited`, then `expired` or `revoked`): see membership-invitation.ts.
 *
 * A membership identical to an existing one (same user, scope and role, such as the
 * organization's creator declared as admin) is taken over; a different existing one only with
 * `adopt: true`. Deleting the last admin, or the deploying user's own admin membership, leaves it
 * in place with a warning, so a destroy completes and no edit locks an organization out.
 */

export const membershipSpec = resourceSpec({
  type: "Membership",
  own: z.strictObject({
    organizationId: idOf("organization"),
    /** The project, for a project membership; absent for an organization membership. */
    projectId: idOf("project").optional(),
    /** Take over an existing membership of this user with another role instead of failing. */
    adopt: z.boolean().optional(),
  }),
  // Either scope's body; check holds the role to the scope's own set.
  api: orgMemberInput.extend({ role: z.union([orgRole, projectRole]) }),
  apiFor: (inputs) => (inputs.projectId === undefined ? orgMemberInput : projectMemberInput),
  object: membershipState,
  replaces: ["organizationId", "projectId", "email"],
  steering: ["adopt"],
  parents: ["organizationId", "projectId"],
});
type Spec = typeof membershipSpec;

/** The inputs of a `Membership`. */
export type MembershipArgs = SpecArgs<Spec["own"], Spec["api"]>;
type Inputs = SpecInputs<Spec["own"], Spec["api"]>;
type Outputs = SpecOutputs<Spec["own"], Spec["api"], Spec["object"]>;

const scopeOf = (p: Inputs): Scope => ({ organizationId: p.organizationId, projectId: p.projectId });

/**
 * A membership of an archived project is history, not access: the backend keeps it readable but
 * read-only, so refresh must see it as gone and delete must pass over it, or a project archived
 * out of band would block every later up and destroy.
 */
async function inArchivedProject(client: TenancyClient, scope: Scope): Promise<boolean> {
  if (!scope.projectId) return false;
  const project = await orMissing(client.projects.get(scope.organizationId, scope.projectId));
  return project?.status === "archived";
}

/**
 * The id Pulumi shows: the membership's path, `org_…/user_…` or `org_…/proj_…/user_…`; for a
 * person invited, the email in the user's place (`org_…/ana@x.test`). That id stays when they
 * accept (state then holds the `userId`) and when an expired invitation is sent anew: an id never
 * changes in an update, and the resource is still the same person's access.
 */
function idFor(m: MembershipState): string {
  return [m.organizationId, m.projectId, m.userId ?? m.email].filter(Boolean).join("/");
}

/**
 * The `externalId` sent on create. The email is part of it because a replacement (another email)
 * creates the new membership while the old one, with the same URN, still exists.
 */
const externalIdFor = (inputs: Inputs) => `${inputs.externalId}#${inputs.email}`;

/** The object a claim names: the membership's scope and user (an invitation has none to claim until accepted). */
const claimOf = (m: { organizationId: string; projectId?: string; userId?: string; invitationId?: string; email: string }) =>
  membershipClaimId(m.projectId ?? m.organizationId, m.userId ?? m.invitationId ?? m.email);

async function createOrTakeOver(client: TenancyClient, inputs: Inputs): Promise<MembershipState> {
  const scope = scopeOf(inputs);
  const role = inputs.role;
  try {
    return fromAdded(await client.members.addOrInvite(scope, membershipSpec.body(inputs, externalIdFor(inputs))), inputs);
  } catch (err) {
    const pending = pendingInvitation(err);
    if (pending) {
      // A create retried after a crash meets the invitation it sent: that is this resource's.
      if (pending.role === role) return invited(pending, inputs);
      throw new Error(
        `${inputs.email} already has a pending invitation (${pending.id}) to organization ${pending.organizationId} as ${pending.role}, not ${role}; ` +
          `declare role ${pending.role}, or revoke it (DELETE /v1/organizations/${pending.organizationId}/invitations/${pending.id}) and run up again`,
        { cause: err },
      );
    }
    if (isCode(err, "external_id_taken")) {
      // A create the engine lost track of: take over the membership of this URN, if it is that.
      const [mine] = (await client.members.list(scope, { externalId: externalIdFor(inputs) })).data;
      if (!mine) throw err;
      const where = scope.projectId ? `project ${scope.projectId}` : `organization ${scope.organizationId}`;
      await assertRecoverable(client, { objectId: claimOf(mine), label: `${mine.email}'s membership of ${where}` }, inputs.externalId!, inputs.adopt ?? false);
      return active(mine.role === role ? mine : await client.members.setRole(scope, mine.userId, role));
    }
    if (!isCode(err, "member_exists")) throw err;
    const parsed = membership.safeParse(err.extras.existing);
    const existing = parsed.success ? parsed.data : (await client.members.list(scope, { email: inputs.email })).data[0];
    if (!existing) throw err;
    if (existing.role !== role && !inputs.adopt) throw new Error(`${inputs.email} is already a member with role ${existing.role}; set adopt: true to take the membership over`, { cause: err });
    // A hand-made membership (or one adopted deliberately) is taken over with this resource's
    // externalId: from then on the stack declares it, and its exclusiveAccess keeps it. One that
    // another deployment declares keeps that deployment's mark unless `adopt` says otherwise.
    if (existing.externalId && !inputs.adopt) return active(existing);
    return active(await client.members.takeOver(scope, existing.userId, role, externalIdFor(inputs)));
  }
}

/**
 * An update of a Membership that is an invitation (a new role, or one that expired or was
 * revoked): sent anew. An organization's pending invitation is revoked first, and its project
 * grants are carried into the new one; a project's grant is re-added to the organization's
 * pending invitation (which re-roles it). The person may have an account by now: then this is
 * the membership itself.
 */
async function sendAnew(client: TenancyClient, olds: Outputs, news: Inputs): Promise<MembershipState> {
  const carried = !news.projectId && olds.invitationId ? await retire(client, news.organizationId, olds.invitationId) : [];
  const made = await createOrTakeOver(client, news);
  if (made.status !== "invited") return made;
  for (const grant of carried) await client.members.addOrInvite({ organizationId: news.organizationId, projectId: grant.projectId }, { email: news.email, role: grant.role, externalId: grant.externalId });
  return made;
}

export const membershipKind = defineResource(membershipSpec, {
  kind: "membership",
  labelField: "email",
  whereabouts: (_id, props) => ({ organizationId: props.organizationId, projectId: props.projectId }),
  create: async (client, inputs) => {
    const m = await createOrTakeOver(client, inputs);
    return { id: idFor(m), object: m };
  },
  read: async (call, _id, props) => {
    const { client, gone } = call;
    if (await inArchivedProject(client, scopeOf(props))) return undefined;
    if (!props.userId) return props.invitationId ? readInvited(call, { ...props, invitationId: props.invitationId }) : undefined;
    const m = await gone(client.members.get(scopeOf(props), props.userId));
    return m && active(m);
  },
  update: async ({ client }, _id, olds, news) =>
    olds.userId ? active(await client.members.setRole(scopeOf(news), olds.userId, news.role)) : sendAnew(client, olds, news),
  diff: (diff, olds, news) => {
    // An invitation that expired or was revoked is drift: the next up sends a new one.
    const lapsed = olds.status === "expired" || olds.status === "revoked";
    if (lapsed) warn(`${olds.email}'s invitation ${olds.invitationId} is ${olds.status}: this update sends a new invitation`);
    else if (olds.status === "invited" && !olds.projectId && diff.changed.includes("role") && !diff.replaces.length) {
      warn(`${olds.email} is invited as ${olds.role}: the role ${news.role} revokes invitation ${olds.invitationId} and sends a new one`);
    }
    return { ...diff, changes: diff.changes || lapsed };
  },
  delete: async (call, _id, props) => {
    const { client, gone } = call;
    const scope = scopeOf(props);
    const where = scope.projectId ? `project ${scope.projectId}` : `organization ${scope.organizationId}`;
    if (!scope.projectId && props.role === "admin" && props.userId === (await client.myUserId())) {
      warn(`kept ${props.email}'s admin membership of ${where}: it is the deploying user's own; deleting the organization removes it`);
      return;
    }
    if (await inArchivedProject(client, scope)) return;
    const remove = async (userId: string) => {
      try {
        await gone(client.members.remove(scope, userId));
      } catch (err) {
        if (!isCode(err, "last_admin")) throw err;
        warn(`kept ${props.email}'s membership of ${where}: it is the organization's last admin; deleting the organization removes it`);
      }
    };
    if (props.userId) await remove(props.userId);
    else if (props.invitationId) await withdraw(call, { ...props, invitationId: props.invitationId }, remove);
  },
  claimOf: (_id, props) => claimOf(props),
  claimFields: ["organizationId", "projectId", "userId", "invitationId", "email"],
  secrets: ["acceptUrl"],
});

export const membershipImplementation = membershipKind.implementation;

/** A user's role in an organization or in one of its projects. */
export class Membership extends membershipKind.Resource {}
