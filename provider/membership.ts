import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { idOf, membership, Membership as MembershipObject, orgMemberInput, OrgRole, projectMemberInput, ProjectRole } from "../schema";
import { Scope, TenancyClient } from "./client";
import { checkInputs, diffInputs, InputSpec, isCode, logicalName, orMissing, pick, Props, withContext } from "./inputs";
import { Implementation, lazyClient, MODULE, resourceProps, warn } from "./resource";
import { providerStub } from "./stub";

/**
 * A user's role in an organization (no `projectId`: admin, billing, member) or in one of its
 * projects (owner, member, viewer). The user is created if the email is new. Changing
 * `organizationId`, `projectId` or `email` replaces it; a new `role` updates it in place.
 *
 * A membership identical to an existing one (same user, scope and role, such as the
 * organization's creator declared as admin) is taken over; a different existing one only with
 * `adopt: true`. Deleting the last admin, or the deploying user's own admin membership, leaves it
 * in place with a warning, so a destroy completes and no edit locks an organization out.
 */

/** The inputs of a `Membership`. */
export interface MembershipArgs {
  organizationId: pulumi.Input<string>;
  /** The project, for a project membership; absent for an organization membership. */
  projectId?: pulumi.Input<string>;
  email: pulumi.Input<string>;
  role: pulumi.Input<OrgRole | ProjectRole>;
  /** Take over an existing membership of this user with another role instead of failing. */
  adopt?: pulumi.Input<boolean>;
}

const own = z.strictObject({ organizationId: idOf("organization"), projectId: idOf("project").optional(), adopt: z.boolean().optional() });
const spec: InputSpec = { own, ownKeys: Object.keys(own.shape), api: (news) => (news.projectId === undefined ? orgMemberInput : projectMemberInput) };
const FIELDS = ["organizationId", "projectId", "email", "role"];
const REPLACES = ["organizationId", "projectId", "email"];
const INPUT_KEYS = [...spec.ownKeys, "email", "role", "externalId"];
const OUTPUTS = ["userId", "kind", "createdAt", "updatedAt", "version"] as const;

const scopeOf = (p: Props): Scope => ({ organizationId: p.organizationId as string, projectId: p.projectId as string | undefined });

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

function outputs(inputs: Props, m: MembershipObject): Props {
  return { ...inputs, ...m, externalId: inputs.externalId };
}

/** The id Pulumi shows: the membership's path, `org_…/user_…` or `org_…/proj_…/user_…`. */
function idFor(m: MembershipObject): string {
  return [m.organizationId, m.projectId, m.userId].filter(Boolean).join("/");
}

/**
 * The `externalId` sent on create. The email is part of it because a replacement (another email)
 * creates the new membership while the old one, with the same URN, still exists.
 */
const externalIdFor = (inputs: Props) => `${inputs.externalId}#${inputs.email}`;

async function createOrTakeOver(client: TenancyClient, inputs: Props): Promise<MembershipObject> {
  const scope = scopeOf(inputs);
  const role = inputs.role as string;
  const [mine] = (await client.members.list(scope, { externalId: externalIdFor(inputs) })).data;
  if (mine) return mine.role === role ? mine : client.members.setRole(scope, mine.userId, role);
  try {
    return await client.members.add(scope, { email: inputs.email, role, externalId: externalIdFor(inputs) });
  } catch (err) {
    if (!isCode(err, "member_exists")) throw err;
    const parsed = membership.safeParse(err.extras.existing);
    const existing = parsed.success ? parsed.data : (await client.members.list(scope, { email: inputs.email as string })).data[0];
    if (!existing) throw err;
    if (existing.role === role) return existing;
    if (!inputs.adopt) throw new Error(`${inputs.email} is already a member with role ${existing.role}; set adopt: true to take the membership over`);
    return client.members.setRole(scope, existing.userId, role);
  }
}

export const membershipImplementation: Implementation = (settings) => {
  const client = lazyClient(settings);
  const label = (inputs: Props) => `Membership "${logicalName(inputs, inputs.email)}"`;
  return {
    check: async (_olds, news) => checkInputs(spec, news),
    diff: async (_id, olds, news) => diffInputs(olds, news, FIELDS, REPLACES),
    create: (inputs) =>
      withContext(`create ${label(inputs)}`, async () => {
        const m = await createOrTakeOver(client(), inputs);
        return { id: idFor(m), outs: outputs(inputs, m) };
      }),
    read: (id, props: Props) =>
      withContext(`read ${label(props)}`, async () => {
        const m = await orMissing(client().members.get(scopeOf(props), props.userId as string));
        if (!m || (await inArchivedProject(client(), scopeOf(props)))) return { id: "" };
        const outs = outputs(props, m);
        return { id, props: outs, inputs: pick(outs, INPUT_KEYS) };
      }),
    update: (_id, olds: Props, news: Props) =>
      withContext(`update ${label(news)}`, async () => {
        const m = await client().members.setRole(scopeOf(news), olds.userId as string, news.role as string);
        return { outs: outputs(news, m) };
      }),
    delete: (_id, props: Props) =>
      withContext(`delete ${label(props)}`, async () => {
        const scope = scopeOf(props);
        const where = scope.projectId ? `project ${scope.projectId}` : `organization ${scope.organizationId}`;
        if (!scope.projectId && props.role === "admin" && props.userId === (await client().myUserId())) {
          warn(`kept ${props.email}'s admin membership of ${where}: it is the deploying user's own; deleting the organization removes it`);
          return;
        }
        if (await inArchivedProject(client(), scope)) return;
        try {
          await orMissing(client().members.remove(scope, props.userId as string));
        } catch (err) {
          if (!isCode(err, "last_admin")) throw err;
          warn(`kept ${props.email}'s membership of ${where}: it is the organization's last admin; deleting the organization removes it`);
        }
      }),
  };
};

const provider = providerStub("membership");

/** A user's role in an organization or in one of its projects. */
export class Membership extends pulumi.dynamic.Resource {
  declare readonly organizationId: pulumi.Output<string>;
  declare readonly projectId: pulumi.Output<string | undefined>;
  declare readonly email: pulumi.Output<string>;
  declare readonly role: pulumi.Output<OrgRole | ProjectRole>;
  declare readonly userId: pulumi.Output<string>;
  declare readonly kind: pulumi.Output<MembershipObject["kind"]>;
  declare readonly externalId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;

  constructor(name: string, args: MembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, resourceProps("Membership", name, args, OUTPUTS, opts), opts, MODULE, "Membership");
  }
}
