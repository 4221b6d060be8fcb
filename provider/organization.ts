import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { organizationInput, OrganizationInput, Organization as OrganizationObject } from "../schema";
import { checkInputs, diffInputs, InputSpec, logicalName, orMissing, mergePatch, pick, Props, withContext } from "./inputs";
import { Implementation, lazyClient, MODULE, resourceProps } from "./resource";
import { providerStub } from "./stub";

/**
 * An organization: name, billing, settings and security policy. Every input updates in place;
 * nothing replaces it. Its creator (the deploying user) becomes its first admin. Deleting it is
 * refused while it has active projects, so a destroy deletes its projects first.
 */

/** The inputs of an `Organization`: the API's organization fields. */
export type OrganizationArgs = { [K in keyof Omit<OrganizationInput, "externalId">]: pulumi.Input<OrganizationInput[K]> };

const spec: InputSpec = { own: z.strictObject({}), ownKeys: [], api: () => organizationInput };
const API_KEYS = Object.keys(organizationInput.shape);
const FIELDS = API_KEYS.filter((k) => k !== "externalId");
const OUTPUTS = ["createdAt", "updatedAt", "version"] as const;

function outputs(inputs: Props, org: OrganizationObject): Props {
  return { ...inputs, ...org };
}

export const organizationImplementation: Implementation = (settings) => {
  const client = lazyClient(settings);
  const label = (inputs: Props) => `Organization "${logicalName(inputs, inputs.name)}"`;
  return {
    check: async (_olds, news) => checkInputs(spec, news),
    diff: async (_id, olds, news) => diffInputs(olds, news, FIELDS, []),
    create: (inputs) =>
      withContext(`create ${label(inputs)}`, async () => {
        const body = pick(inputs, API_KEYS);
        const [found] = (await client().organizations.list({ externalId: inputs.externalId as string })).data;
        const org = found
          ? await client().organizations.update(found.id, mergePatch(pick(found, FIELDS), pick(body, FIELDS)))
          : await client().organizations.create(body);
        return { id: org.id, outs: outputs(inputs, org) };
      }),
    read: async (id, props: Props) =>
      withContext(`read ${label(props)}`, async () => {
        const org = await orMissing(client().organizations.get(id));
        if (!org) return { id: "" };
        const outs = outputs(props, org);
        return { id, props: outs, inputs: pick(outs, API_KEYS) };
      }),
    update: (id, olds: Props, news: Props) =>
      withContext(`update ${label(news)}`, async () => {
        const org = await client().organizations.update(id, mergePatch(pick(olds, FIELDS), pick(news, FIELDS)));
        return { outs: outputs(news, org) };
      }),
    delete: (id, props: Props) =>
      withContext(`delete ${label(props)}`, async () => void (await orMissing(client().organizations.delete(id)))),
  };
};

const provider = providerStub("organization");

/** An organization of the tenancy platform. */
export class Organization extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly billing: pulumi.Output<OrganizationObject["billing"]>;
  declare readonly settings: pulumi.Output<OrganizationObject["settings"]>;
  declare readonly securityPolicy: pulumi.Output<OrganizationObject["securityPolicy"]>;
  declare readonly externalId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;

  constructor(name: string, args: OrganizationArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, resourceProps("Organization", name, args, OUTPUTS, opts), opts, MODULE, "Organization");
  }
}
