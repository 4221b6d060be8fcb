import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { organization, organizationInput, Organization as OrganizationObject } from "../schema";
import { withExclusiveAccess } from "./access";
import { assertRecoverable, confirmingHeldClaims, confirmOnceRecorded, creation } from "./claims";
import { GONE, unlessGone } from "./gone";
import { isCode, logicalName, mergePatch, pick, withContext } from "./inputs";
import { Implementation, lazyClient, MODULE, resourceProps } from "./resource";
import { resourceSpec, SpecArgs, SpecInputs, SpecOutputs } from "./spec";
import { providerFor } from "./stub";

/**
 * An organization: name, billing, settings and security policy. Every input updates in place;
 * nothing replaces it. Its creator (the deploying user) becomes its first admin. Deleting it is
 * refused while it has active projects, so a destroy deletes its projects first.
 */

export const organizationSpec = resourceSpec({
  type: "Organization",
  own: z.strictObject({
    /** The stack declares all its members and service accounts: any other is drift that `up` removes (provider/access/). */
    exclusiveAccess: z.boolean().optional(),
  }),
  api: organizationInput,
  object: organization,
  // Only admins and billing read it; a refresh with another role's token must not clear it.
  hiddenByRole: ["billing"],
  replaces: [],
});
type Spec = typeof organizationSpec;
type Own = Spec["own"];
type Api = Spec["api"];

/** The inputs of an `Organization`: the API's organization fields. */
export type OrganizationArgs = SpecArgs<Own, Api>;
type Inputs = SpecInputs<Own, Api>;
type Outputs = SpecOutputs<Own, Api, Spec["object"]>;

/** The API fields the provider compares, and patches. */
const patched = organizationSpec.compared.filter((k) => organizationSpec.bodyKeys.includes(k));

/** The patch that makes `current` what `inputs` declare. */
const patchFor = (current: object, inputs: object) => mergePatch(pick(current, patched), pick(inputs, patched));

const implementation: Implementation<Inputs, Outputs> = (settings) => {
  const client = lazyClient(settings);
  const label = (inputs: Inputs) => `Organization "${logicalName(inputs, inputs.name)}"`;
  const whereabouts = (id: string, props: Outputs) => ({ label: label(props), organizationId: id, deployedBy: props.deployedBy, isOrganization: true });
  return {
    check: async (_olds, news) => organizationSpec.check(news),
    diff: async (_id, olds, news) => organizationSpec.diff(olds, news),
    create: (inputs) =>
      withContext(`create ${label(inputs)}`, async () => {
        const org = await client()
          .organizations.create(organizationSpec.body(inputs))
          .catch(async (err) => {
            // A create the engine lost track of: take over the organization of this URN, if it is that.
            const [found] = isCode(err, "external_id_taken") ? (await client().organizations.list({ externalId: inputs.externalId })).data : [];
            if (!found) throw err;
            await assertRecoverable(client(), { objectId: found.id, label: `organization ${found.id} ("${found.name}")` }, inputs.externalId!);
            return client().organizations.update(found.id, patchFor(found, inputs));
          });
        return { id: org.id, outs: organizationSpec.outputs(inputs, org, await creation(client())) };
      }),
    read: async (id, props) =>
      withContext(`read ${label(props!)}`, async () => {
        const org = await unlessGone(client(), client().organizations.get(id), whereabouts(id, props!));
        return org === GONE ? { id: "" } : organizationSpec.readResult(id, props!, org);
      }),
    update: (id, olds, news) =>
      withContext(`update ${label(news)}`, async () => {
        const org = await client().organizations.update(id, patchFor(olds, news));
        return { outs: organizationSpec.outputs(news, org, olds) };
      }),
    delete: (id, props) => withContext(`delete ${label(props)}`, async () => void (await unlessGone(client(), client().organizations.delete(id), whereabouts(id, props)))),
  };
};

/** The object a claim names: the organization itself. */
const claimOf = (id: string) => id;

export const organizationImplementation = confirmingHeldClaims(
  withExclusiveAccess(implementation, (id) => ({ organizationId: id })),
  claimOf,
);

const provider = providerFor("organization");

/** An organization of the tenancy platform. */
export class Organization extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly billing: pulumi.Output<OrganizationObject["billing"]>;
  declare readonly settings: pulumi.Output<OrganizationObject["settings"]>;
  declare readonly securityPolicy: pulumi.Output<OrganizationObject["securityPolicy"]>;
  /** Which stored policies the backend enforces today, and which it only keeps. */
  declare readonly enforcement: pulumi.Output<OrganizationObject["enforcement"]>;
  declare readonly externalId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;
  /** The user whose token created it: refresh and destroy tell a deletion from another user's token by it. */
  declare readonly deployedBy: pulumi.Output<string | undefined>;
  /** When this stack's create made it (or recovered it after an interrupted run). */
  declare readonly claimedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: OrganizationArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, resourceProps(organizationSpec, name, args, opts), opts, MODULE, "Organization");
    confirmOnceRecorded(this, claimOf);
  }
}
