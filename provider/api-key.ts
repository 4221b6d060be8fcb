import { createHash } from "node:crypto";
import { z } from "zod";
import { ApiKey as ApiKeyObject, apiKeyInput, createdApiKey, idOf } from "../schema";
import { TenancyClient } from "./client";
import { assertRecoverable } from "./claims";
import { defineResource } from "./define-resource";
import { canonical, isCode, pick } from "./inputs";
import { MAX_OVERLAP_HOURS, overlapEnd, overlapHours } from "./overlap";
import { resourceSpec, SpecArgs, SpecInputs, SpecOutputs } from "./spec";

/**
 * An API key of a project, for workloads on the data plane. Only `name` (and
 * `rotationOverlapHours`) update in place; any other change, `rotationTriggers` included, replaces
 * the key: a rotation, in which the new key is created first and the old one keeps working for
 * `rotationOverlapHours` (default 24; 0 revokes it at once), so a workload still holding it has
 * time to take the new one.
 * `secret` is shown by the API only once: it is kept from state on refresh, and is a Pulumi
 * secret. A key the engine lost track of (found by its `externalId`) is revoked and made anew,
 * since its secret is gone.
 */

export const apiKeySpec = resourceSpec({
  type: "ApiKey",
  own: z.strictObject({
    projectId: idOf("project"),
    /** Any string map; a change to it rotates the key (e.g. `{ quarter: "2026-Q4" }`). */
    rotationTriggers: z.record(z.string(), z.string()).optional(),
    /** How long the key a rotation replaces keeps working (default 24 hours; 0 revokes it at once). */
    rotationOverlapHours: overlapHours,
  }),
  api: apiKeyInput,
  object: createdApiKey,
  replaces: { allBut: ["name", "rotationOverlapHours"] },
  parents: ["projectId"],
  shownOnce: ["secret"],
});
type Spec = typeof apiKeySpec;

/** The inputs of an `ApiKey`. */
export type ApiKeyArgs = SpecArgs<Spec["own"], Spec["api"]>;
type Inputs = SpecInputs<Spec["own"], Spec["api"]>;
type Outputs = SpecOutputs<Spec["own"], Spec["api"], Spec["object"]>;

/**
 * The `externalId` sent on create: the URN and a digest of the replacing inputs, because a
 * rotation creates the new key while the old one, with the same URN, is still live.
 */
function externalIdFor(inputs: Inputs): string {
  const digest = createHash("sha256").update(canonical(pick(inputs, apiKeySpec.replacing))).digest("hex").slice(0, 16);
  return `${inputs.externalId}#${digest}`;
}

/**
 * One round trip in the common case (and one per project for its organization). A key of this
 * URN and inputs that the engine lost track of makes the API answer `external_id_taken`: its
 * secret is gone, so it is revoked and the key made anew. A key another deployment of the URN
 * made and recorded is refused (claims.ts).
 */
async function create(client: TenancyClient, inputs: Inputs) {
  const [orgId, projectId, externalId] = [await client.organizationOf(inputs.projectId), inputs.projectId, externalIdFor(inputs)];
  const body = apiKeySpec.body(inputs, externalId);
  try {
    return await client.apiKeys.create(orgId, projectId, body);
  } catch (err) {
    if (!isCode(err, "external_id_taken")) throw err;
    const lost = (await client.apiKeys.list(orgId, projectId, { externalId })).data.filter((k) => k.status !== "revoked");
    for (const k of lost) await assertRecoverable(client, { objectId: k.id, label: `key ${k.id} ("${k.name}", ${k.redactedValue}) of project ${projectId}` }, inputs.externalId!);
    for (const k of lost) await client.apiKeys.revoke(orgId, projectId, k.id);
    return client.apiKeys.create(orgId, projectId, body);
  }
}

/** The live keys of this resource's URN but `id` (a rotation's successor, or predecessors still in their overlap). */
async function liveKeysOfUrn(client: TenancyClient, props: Outputs, id: string): Promise<ApiKeyObject[]> {
  const ofUrn = `${props.externalId}#`;
  const found: ApiKeyObject[] = [];
  let after: string | undefined;
  do {
    const page = await client.apiKeys.list(props.organizationId, props.projectId, { status: "active", ...(after ? { after } : {}) });
    found.push(...page.data.filter((k) => k.id !== id && k.externalId?.startsWith(ofUrn)));
    after = page.hasMore && page.nextCursor ? page.nextCursor : undefined;
  } while (after);
  return found;
}

/**
 * A delete is a rotation's when a newer live key of the same URN (the successor, made first)
 * exists: this one then keeps working until its overlap ends. A key removed from the program is
 * revoked at once, with the keys it replaced that are still in their overlap (left active, they
 * would keep their owner's membership from being removed).
 */
async function retire(client: TenancyClient, props: Outputs, id: string): Promise<void> {
  const others = await liveKeysOfUrn(client, props, id);
  const until = others.some((k) => k.createdAt > props.createdAt) ? overlapEnd(props.rotationOverlapHours) : undefined;
  if (until) {
    // A key that expires within the overlap anyway is left to expire (an expiry is never extended).
    if (!props.expiresAt || props.expiresAt > until) await client.apiKeys.expireBy(props.organizationId, props.projectId, id, until);
    return;
  }
  const latestOverlapEnd = overlapEnd(MAX_OVERLAP_HOURS)!;
  const overlapping = others.filter((k) => k.createdAt < props.createdAt && k.expiresAt !== undefined && k.expiresAt <= latestOverlapEnd);
  for (const keyId of [id, ...overlapping.map((k) => k.id)]) await client.apiKeys.revoke(props.organizationId, props.projectId, keyId);
}

export const apiKeyKind = defineResource(apiKeySpec, {
  kind: "apiKey",
  labelField: "name",
  whereabouts: (_id, props) => ({ organizationId: props.organizationId, projectId: props.projectId }),
  // A rotation: the new key exists before the old one is retired.
  diff: (diff) => ({ ...diff, deleteBeforeReplace: false }),
  create: async (client, inputs) => {
    const key = await create(client, inputs);
    return { id: key.id, object: key };
  },
  read: async ({ client, gone }, id, props) => {
    const key = await gone(client.apiKeys.get(props.organizationId, props.projectId, id));
    return key?.status === "active" ? key : undefined;
  },
  update: ({ client }, id, olds, news) => {
    const [orgId, projectId] = [olds.organizationId, olds.projectId];
    return olds.name === news.name ? client.apiKeys.get(orgId, projectId, id) : client.apiKeys.rename(orgId, projectId, id, news.name);
  },
  delete: async ({ client, gone }, id, props) => void (await gone(retire(client, props, id))),
  // The object a claim names: the key itself.
  claimOf: (id) => id,
  secrets: ["secret"],
});

export const apiKeyImplementation = apiKeyKind.implementation;

/** An API key of a project; `secret` (the key itself, shown by the API once) is a Pulumi secret. */
export class ApiKey extends apiKeyKind.Resource {}
