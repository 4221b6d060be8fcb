import { z } from "zod";
import { idOf, membership, membershipClaimId, Membership as MembershipObject, orgMemberInput, orgRole, projectMemberInput, projectRole } from "../schema";
import { Scope, TenancyClient } from "./client";
import { assertRecoverable } from "./claims";
import { defineResource } from "./define-resource";
import { isCode, orMissing } from "./inputs";
import { warn } from "./resource";
import { resourceSpec, SpecArgs, SpecInputs } from "./spec";

/**
 * A user's role in an organization (no `projectId`: admin, billing, member, viewer) or in one of its
 * projects (owner, member, viewer). The user is created if the email is new. Changing
 * `organizationId`, `projectId` or `email` replaces it; a new `role` updates it in place.
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
  object: membership,
  replaces: ["organizationId", "projectId", "email"],
  steering: ["adopt"],
  parents: ["organizationId", "projectId"],
});
type Spec = typeof membershipSpec;

/** The inputs of a `Membership`. */
export type MembershipArgs = SpecArgs<Spec["own"], Spec["api"]>;
type Inputs = SpecInputs<Spec["own"], Spec["api"]>;

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

/** The id Pulumi shows: the membership's path, `org_…/user_…` or `org_…/proj_…/user_…`. */
function idFor(m: MembershipObject): string {
  return [m.organizationId, m.projectId, m.userId].filter(Boolean).join("/");
}

/**
 * The `externalId` sent on create. The email is part of it because a replacement (another email)
 * creates the new membership while the old one, with the same URN, still exists.
 */
const externalIdFor = (inputs: Inputs) => `${inputs.externalId}#${inputs.email}`;

/** The object a claim names: the membership's scope and user. */
const claimOf = (m: { organizationId: string; projectId?: string; userId: string }) => membershipClaimId(m.projectId ?? m.organizationId, m.userId);

async function createOrTakeOver(client: TenancyClient, inputs: Inputs): Promise<MembershipObject> {
  const scope = scopeOf(inputs);
  const role = inputs.role;
  try {
    return await client.members.add(scope, membershipSpec.body(inputs, externalIdFor(inputs)));
  } catch (err) {
    if (isCode(err, "external_id_taken")) {
      // A create the engine lost track of: take over the membership of this URN, if it is that.
      const [mine] = (await client.members.list(scope, { externalId: externalIdFor(inputs) })).data;
      if (!mine) throw err;
      const where = scope.projectId ? `project ${scope.projectId}` : `organization ${scope.organizationId}`;
      await assertRecoverable(client, { objectId: claimOf(mine), label: `${mine.email}'s membership of ${where}` }, inputs.externalId!, inputs.adopt ?? false);
      return mine.role === role ? mine : client.members.setRole(scope, mine.userId, role);
    }
    if (!isCode(err, "member_exists")) throw err;
    const parsed = membership.safeParse(err.extras.existing);
    const existing = parsed.success ? parsed.data : (await client.members.list(scope, { email: inputs.email })).data[0];
    if (!existing) throw err;
    if (existing.role !== role && !inputs.adopt) throw new Error(`${inputs.email} is already a member with role ${existing.role}; set adopt: true to take the membership over`, { cause: err });
    // A hand-made membership (or one adopted deliberately) is taken over with this resource's
    // externalId: from then on the stack declares it, and its exclusiveAccess keeps it. One that
    // another deployment declares keeps that deployment's mark unless `adopt` says otherwise.
    if (existing.externalId && !inputs.adopt) return existing;
    return client.members.takeOver(scope, existing.userId, role, externalIdFor(inputs));
  }
}

export const membershipKind = defineResource(membershipSpec, {
  kind: "membership",
  labelField: "email",
  whereabouts: (_id, props) => ({ organizationId: props.organizationId, projectId: props.projectId }),
  create: async (client, inputs) => {
    const m = await createOrTakeOver(client, inputs);
    return { id: idFor(m), object: m };
  },
  read: async ({ client, gone }, _id, props) => {
    const m = await gone(client.members.get(scopeOf(props), props.userId));
    return m && !(await inArchivedProject(client, scopeOf(props))) ? m : undefined;
  },
  update: ({ client }, _id, olds, news) => client.members.setRole(scopeOf(news), olds.userId, news.role),
  delete: async ({ client, gone }, _id, props) => {
    const scope = scopeOf(props);
    const where = scope.projectId ? `project ${scope.projectId}` : `organization ${scope.organizationId}`;
    if (!scope.projectId && props.role === "admin" && props.userId === (await client.myUserId())) {
      warn(`kept ${props.email}'s admin membership of ${where}: it is the deploying user's own; deleting the organization removes it`);
      return;
    }
    if (await inArchivedProject(client, scope)) return;
    try {
      await gone(client.members.remove(scope, props.userId));
    } catch (err) {
      if (!isCode(err, "last_admin")) throw err;
      warn(`kept ${props.email}'s membership of ${where}: it is the organization's last admin; deleting the organization removes it`);
    }
  },
  claimOf: (_id, props) => claimOf(props),
  claimFields: ["organizationId", "projectId", "userId"],
});

export const membershipImplementation = membershipKind.implementation;

/** A user's role in an organization or in one of its projects. */
export class Membership extends membershipKind.Resource {}
