import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { organization, organizationInput } from "../schema";
import { withExclusiveAccess } from "./access";
import { assertRecoverable } from "./claims";
import { defineResource } from "./define-resource";
import { isCode, mergePatch, pick } from "./inputs";
import { resourceSpec, SpecArgs } from "./spec";

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

/** The inputs of an `Organization`: the API's organization fields. */
export type OrganizationArgs = SpecArgs<Spec["own"], Spec["api"]>;

type OrganizationObject = z.output<typeof organization>;
type Sso = { clientSecret?: string; clientSecretSet?: true };

/**
 * The SSO client secret is write-only: the API answers `clientSecretSet: true`, never the secret.
 * State keeps the secret the stack declared instead (a Pulumi secret, see `Organization`), so diff
 * compares what was declared with what is declared; one set out of band is not the stack's.
 */
function asDeclared(object: OrganizationObject, declared: { securityPolicy?: { sso?: Sso } }): OrganizationObject {
  const { clientSecretSet, ...sso } = object.securityPolicy.sso as typeof object.securityPolicy.sso & Sso;
  const secret = declared.securityPolicy?.sso?.clientSecret;
  if (!clientSecretSet || secret === undefined) return { ...object, securityPolicy: { ...object.securityPolicy, sso } };
  return { ...object, securityPolicy: { ...object.securityPolicy, sso: { ...sso, clientSecret: secret } as typeof sso } };
}

/** The API fields the provider compares and patches (`exclusiveAccess` is the provider's own). */
const patched = organizationSpec.compared.filter((k) => organizationSpec.bodyKeys.includes(k));
/** The patch that makes `current` what `inputs` declare. */
const patchFor = (current: object, inputs: object) => mergePatch(pick(current, patched), pick(inputs, patched)) as Record<string, unknown>;

export const organizationKind = defineResource(organizationSpec, {
  kind: "organization",
  labelField: "name",
  whereabouts: (id) => ({ organizationId: id, isOrganization: true }),
  create: async (client, inputs) => {
    const org = await client.organizations.create(organizationSpec.body(inputs)).catch(async (err) => {
      // A create the engine lost track of: take over the organization of this URN, if it is that.
      const [found] = isCode(err, "external_id_taken") ? (await client.organizations.list({ externalId: inputs.externalId })).data : [];
      if (!found) throw err;
      await assertRecoverable(client, { objectId: found.id, label: `organization ${found.id} ("${found.name}")` }, inputs.externalId!);
      return client.organizations.update(found.id, patchFor(found, inputs));
    });
    return { id: org.id, object: asDeclared(org, inputs) };
  },
  read: async ({ client, gone }, id, props) => {
    const org = await gone(client.organizations.get(id));
    return org && asDeclared(org, props);
  },
  update: async ({ client }, id, olds, news) => asDeclared(await client.organizations.update(id, patchFor(olds, news)), news),
  delete: async ({ client, gone }, id) => void (await gone(client.organizations.delete(id))),
  // The object a claim names: the organization itself.
  claimOf: (id) => id,
  // With `exclusiveAccess`, access no resource of the stack declares is drift (provider/access/).
  wrap: (implementation) => withExclusiveAccess(implementation, (id) => ({ organizationId: id })),
});

export const organizationImplementation = organizationKind.implementation;

/**
 * An organization of the tenancy platform. A `securityPolicy` holding an SSO client secret is a
 * Pulumi secret as a whole (the engine then keeps it encrypted in state, and previews do not show
 * it), whether or not the program marked it so.
 */
export class Organization extends organizationKind.Resource {
  constructor(name: string, args: OrganizationArgs, opts?: pulumi.CustomResourceOptions) {
    super(name, { ...args, securityPolicy: secretWhileItHoldsOne(args.securityPolicy) }, opts);
  }
}

function secretWhileItHoldsOne(policy: OrganizationArgs["securityPolicy"]): OrganizationArgs["securityPolicy"] {
  if (policy === undefined) return undefined;
  return pulumi.output(policy).apply((p) => ((p as { sso?: Sso } | undefined)?.sso?.clientSecret !== undefined ? pulumi.secret(p) : p)) as OrganizationArgs["securityPolicy"];
}
