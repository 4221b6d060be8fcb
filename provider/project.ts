import { z } from "zod";
import { idOf, project, Project as ProjectObject, projectInput } from "../schema";
import { TenancyClient } from "./client";
import { withExclusiveAccess } from "./access";
import { assertRecoverable } from "./claims";
import { defineResource } from "./define-resource";
import { isCode, mergePatch, pick } from "./inputs";
import { resourceSpec, SpecArgs, SpecInputs } from "./spec";

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

export const projectKind = defineResource(projectSpec, {
  kind: "project",
  labelField: "name",
  whereabouts: (id, props) => ({ organizationId: props.organizationId, projectId: id, isProject: true }),
  create: async (client, inputs) => {
    const created = await create(client, inputs);
    return { id: created.id, object: created };
  },
  read: async ({ client, gone }, id, props) => {
    const found = await gone(client.projects.get(props.organizationId, id));
    return found?.status === "active" ? found : undefined;
  },
  update: ({ client }, id, olds, news) => {
    const patch = patchFor(olds, news);
    return Object.keys(patch).length > 0 ? client.projects.update(news.organizationId, id, patch) : client.projects.get(news.organizationId, id);
  },
  delete: async ({ client, gone }, id, props) => void (await gone(client.projects.archive(props.organizationId, id))),
  // The object a claim names: the project itself.
  claimOf: (id) => id,
  // With `exclusiveAccess`, access no resource of the stack declares is drift (provider/access/).
  wrap: (implementation) => withExclusiveAccess(implementation, (id, props) => ({ organizationId: props.organizationId, projectId: id })),
});

export const projectImplementation = projectKind.implementation;

/** A project: an environment, team or workload of one organization. */
export class Project extends projectKind.Resource {}
