import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { idOf, project, Project as ProjectObject, projectInput } from "../schema";
import { TenancyClient } from "./client";
import { withExclusiveAccess } from "./access";
import { assertRecoverable, confirmingHeldClaims, confirmOnceRecorded, creation } from "./claims";
import { GONE, unlessGone } from "./gone";
import { isCode, logicalName, mergePatch, pick, withContext } from "./inputs";
import { Implementation, lazyClient, MODULE, resourceProps } from "./resource";
import { resourceSpec, SpecArgs, SpecInputs, SpecOutputs } from "./spec";
import { providerFor } from "./stub";

/**
 * A project of an organization: an isolation boundary with its own keys, members and limits.
 * Changing `organizationId` replaces it; every other input updates in place. Deleting it archives
 * it (its keys are revoked, its usage and audit history kept, its name free again). `adopt: true`
 * takes over an active project of the same name instead of failing on the name conflict.
 */

export const projectSpec = resourceSpec({
  type: "Project",
  own: z.strictObject({
    organizationId: idOf("organization"),
    /** Take over an existing project with this name instead of failing (dynamic providers cannot `pulumi import`). */
    adopt: z.boolean().optional(),
    /** The stack declares all its members and keys: any other is drift that `up` removes (provider/access/). */
    exclusiveAccess: z.boolean().optional(),
  }),
  api: projectInput,
  object: project,
  replaces: ["organizationId"],
  steering: ["adopt"],
  parents: ["organizationId"],
});
type Spec = typeof projectSpec;

/** The inputs of a `Project`: the API's project fields, its organization, and `adopt`. */
export type ProjectArgs = SpecArgs<Spec["own"], Spec["api"]>;
type Inputs = SpecInputs<Spec["own"], Spec["api"]>;
type Outputs = SpecOutputs<Spec["own"], Spec["api"], Spec["object"]>;

/** The API fields to send so that `current` ends up as `inputs` declare. */
function patchFor(current: object, inputs: Inputs): Record<string, unknown> {
  const fields = projectSpec.bodyKeys.filter((k) => k !== "externalId");
  return mergePatch(pick(current, fields), pick(inputs, fields)) as Record<string, unknown>;
}

/**
 * One round trip in the common case: the create itself. Only when the API answers that the name
 * or the `externalId` is taken does the provider look: a project of this URN is taken over if it
 * is a create the engine lost track of (claims.ts) or with `adopt: true`, as is one of this name
 * with `adopt: true`.
 */
async function create(client: TenancyClient, inputs: Inputs): Promise<ProjectObject> {
  const orgId = inputs.organizationId;
  try {
    return await client.projects.create(orgId, projectSpec.body(inputs));
  } catch (err) {
    if (!isCode(err, "name_taken", "external_id_taken")) throw err;
    const active = async (query: Record<string, string | undefined>) => (await client.projects.list(orgId, query)).data.find((p) => p.status === "active");
    const claimed = await active({ externalId: inputs.externalId });
    if (claimed) await assertRecoverable(client, { objectId: claimed.id, label: `project ${claimed.id} ("${claimed.name}")` }, inputs.externalId!, inputs.adopt ?? false);
    const found = claimed ?? (inputs.adopt ? await active({ name: inputs.name }) : undefined);
    if (found) return client.projects.update(orgId, found.id, { ...patchFor(found, inputs), externalId: inputs.externalId });
    throw new Error(`a project named "${inputs.name}" already exists in ${orgId}; set adopt: true to take it over`, { cause: err });
  }
}

const implementation: Implementation<Inputs, Outputs> = (settings) => {
  const client = lazyClient(settings);
  const label = (inputs: Inputs) => `Project "${logicalName(inputs, inputs.name)}"`;
  const whereabouts = (props: Outputs, id: string) => ({ label: label(props), organizationId: props.organizationId, projectId: id, isProject: true, deployedBy: props.deployedBy });
  return {
    check: async (_olds, news) => projectSpec.check(news),
    diff: async (_id, olds, news) => projectSpec.diff(olds, news),
    create: (inputs) =>
      withContext(`create ${label(inputs)}`, async () => {
        const created = await create(client(), inputs);
        return { id: created.id, outs: projectSpec.outputs(inputs, created, await creation(client())) };
      }),
    read: (id, props) =>
      withContext(`read ${label(props!)}`, async () => {
        const found = await unlessGone(client(), client().projects.get(props!.organizationId, id), whereabouts(props!, id));
        return found !== GONE && found.status === "active" ? projectSpec.readResult(id, props!, found) : { id: "" };
      }),
    update: (id, olds, news) =>
      withContext(`update ${label(news)}`, async () => {
        const patch = patchFor(olds, news);
        const updated =
          Object.keys(patch).length > 0 ? await client().projects.update(news.organizationId, id, patch) : await client().projects.get(news.organizationId, id);
        return { outs: projectSpec.outputs(news, updated, olds) };
      }),
    delete: (id, props) =>
      withContext(`delete ${label(props)}`, async () => void (await unlessGone(client(), client().projects.archive(props.organizationId, id), whereabouts(props, id)))),
  };
};

/** The object a claim names: the project itself. */
const claimOf = (id: string) => id;

export const projectImplementation = confirmingHeldClaims(
  withExclusiveAccess(implementation, (id, props) => ({ organizationId: props.organizationId, projectId: id })),
  claimOf,
);

const provider = providerFor("project");

/** A project: an environment, team or workload of one organization. */
export class Project extends pulumi.dynamic.Resource {
  declare readonly organizationId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly environment: pulumi.Output<ProjectObject["environment"]>;
  declare readonly team: pulumi.Output<string | undefined>;
  declare readonly workload: pulumi.Output<ProjectObject["workload"]>;
  declare readonly owner: pulumi.Output<string | undefined>;
  declare readonly keyOwner: pulumi.Output<string | undefined>;
  declare readonly escalationContact: pulumi.Output<string | undefined>;
  declare readonly expectedMonthlySpendUsd: pulumi.Output<number | undefined>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly labels: pulumi.Output<Record<string, string>>;
  declare readonly limits: pulumi.Output<ProjectObject["limits"]>;
  declare readonly status: pulumi.Output<ProjectObject["status"]>;
  declare readonly archivedAt: pulumi.Output<string | undefined>;
  declare readonly externalId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;
  /** The user whose token created it: refresh and destroy tell a deletion from another user's token by it. */
  declare readonly deployedBy: pulumi.Output<string | undefined>;
  /** When this stack's create made it (or recovered or adopted it). */
  declare readonly claimedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, resourceProps(projectSpec, name, args, opts), opts, MODULE, "Project");
    confirmOnceRecorded(this, claimOf);
  }
}
