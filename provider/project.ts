import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { idOf, Project as ProjectObject, projectInput, ProjectInput } from "../schema";
import { TenancyClient } from "./client";
import { checkInputs, diffInputs, InputSpec, isCode, logicalName, mergePatch, orMissing, pick, Props, withContext } from "./inputs";
import { Implementation, lazyClient, MODULE, resourceProps } from "./resource";
import { providerStub } from "./stub";

/**
 * A project of an organization: an isolation boundary with its own keys, members and limits.
 * Changing `organizationId` replaces it; every other input updates in place. Deleting it archives
 * it (its keys are revoked, its usage and audit history kept, its name free again). `adopt: true`
 * takes over an active project of the same name instead of failing on the name conflict.
 */

/** The inputs of a `Project`: the API's project fields, its organization, and `adopt`. */
export type ProjectArgs = { [K in keyof Omit<ProjectInput, "externalId">]: pulumi.Input<ProjectInput[K]> } & {
  organizationId: pulumi.Input<string>;
  /** Take over an existing project with this name instead of failing (dynamic providers cannot `pulumi import`). */
  adopt?: pulumi.Input<boolean>;
};

const own = z.strictObject({ organizationId: idOf("organization"), adopt: z.boolean().optional() });
const spec: InputSpec = { own, ownKeys: Object.keys(own.shape), api: () => projectInput };
const API_KEYS = Object.keys(projectInput.shape);
const FIELDS = ["organizationId", ...API_KEYS.filter((k) => k !== "externalId")];
const REPLACES = ["organizationId"];
const OUTPUTS = ["status", "createdAt", "updatedAt", "version"] as const;

function outputs(inputs: Props, project: ProjectObject): Props {
  return { ...inputs, ...project };
}

/** The API fields to send so that `current` ends up as `inputs` declare. */
function patchFor(current: Props, inputs: Props): unknown {
  const fields = API_KEYS.filter((k) => k !== "externalId");
  return mergePatch(pick(current, fields), pick(inputs, fields));
}

async function takeOver(client: TenancyClient, orgId: string, found: ProjectObject, inputs: Props): Promise<ProjectObject> {
  const patch = { ...(patchFor(found, inputs) as Props), externalId: inputs.externalId };
  return client.projects.update(orgId, found.id, patch);
}

export const projectImplementation: Implementation = (settings) => {
  const client = lazyClient(settings);
  const label = (inputs: Props) => `Project "${logicalName(inputs, inputs.name)}"`;
  return {
    check: async (_olds, news) => checkInputs(spec, news),
    diff: async (_id, olds, news) => diffInputs(olds, news, FIELDS, REPLACES),
    create: (inputs) =>
      withContext(`create ${label(inputs)}`, async () => {
        const orgId = inputs.organizationId as string;
        const byUrn = (await client().projects.list(orgId, { externalId: inputs.externalId as string })).data.find((p) => p.status === "active");
        const byName = inputs.adopt
          ? (await client().projects.list(orgId, { name: inputs.name as string })).data.find((p) => p.status === "active")
          : undefined;
        const found = byUrn ?? byName;
        let project: ProjectObject;
        try {
          project = found ? await takeOver(client(), orgId, found, inputs) : await client().projects.create(orgId, pick(inputs, API_KEYS));
        } catch (err) {
          if (!isCode(err, "name_taken")) throw err;
          throw new Error(`a project named "${inputs.name}" already exists in ${orgId}; set adopt: true to take it over`);
        }
        return { id: project.id, outs: outputs(inputs, project) };
      }),
    read: (id, props: Props) =>
      withContext(`read ${label(props)}`, async () => {
        const project = await orMissing(client().projects.get(props.organizationId as string, id));
        if (project?.status !== "active") return { id: "" };
        const outs = outputs(props, project);
        return { id, props: outs, inputs: pick(outs, [...spec.ownKeys, ...API_KEYS]) };
      }),
    update: (id, olds: Props, news: Props) =>
      withContext(`update ${label(news)}`, async () => {
        const patch = patchFor(olds, news) as Props;
        const project =
          Object.keys(patch).length > 0
            ? await client().projects.update(news.organizationId as string, id, patch)
            : await client().projects.get(news.organizationId as string, id);
        return { outs: outputs(news, project) };
      }),
    delete: (id, props: Props) =>
      withContext(`delete ${label(props)}`, async () => void (await orMissing(client().projects.archive(props.organizationId as string, id)))),
  };
};

const provider = providerStub("project");

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
  declare readonly externalId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, resourceProps("Project", name, args, OUTPUTS, opts), opts, MODULE, "Project");
  }
}
