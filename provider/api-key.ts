import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { z } from "zod";
import { ApiKey as ApiKeyObject, apiKeyInput, createdApiKey, idOf } from "../schema";
import { TenancyClient } from "./client";
import { assertRecoverable, confirmingHeldClaims, confirmOnceRecorded, creation } from "./claims";
import { GONE, unlessGone } from "./gone";
import { canonical, isCode, logicalName, pick, withContext } from "./inputs";
import { MAX_OVERLAP_HOURS, overlapEnd, overlapHours } from "./overlap";
import { Implementation, lazyClient, MODULE, resourceProps } from "./resource";
import { resourceSpec, SpecArgs, SpecInputs, SpecOutputs } from "./spec";
import { providerFor } from "./stub";

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
export type ApiKeyArgs = Omit<SpecArgs<Spec["own"], Spec["api"]>, "rotationTriggers"> & {
  /** Any string map; a change to it rotates the key (e.g. `{ quarter: "2026-Q4" }`). */
  rotationTriggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
};
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

const implementation: Implementation<Inputs, Outputs> = (settings) => {
  const client = lazyClient(settings);
  const label = (inputs: Inputs) => `ApiKey "${logicalName(inputs, inputs.name)}"`;
  const whereabouts = (props: Outputs) => ({ label: label(props), organizationId: props.organizationId, projectId: props.projectId, deployedBy: props.deployedBy });
  return {
    check: async (_olds, news) => apiKeySpec.check(news),
    diff: async (_id, olds, news) => ({ ...apiKeySpec.diff(olds, news), deleteBeforeReplace: false }),
    create: (inputs) =>
      withContext(`create ${label(inputs)}`, async () => {
        const key = await create(client(), inputs);
        return { id: key.id, outs: apiKeySpec.outputs(inputs, key, await creation(client())) };
      }),
    read: (id, props) =>
      withContext(`read ${label(props!)}`, async () => {
        const key = await unlessGone(client(), client().apiKeys.get(props!.organizationId, props!.projectId, id), whereabouts(props!));
        return key !== GONE && key.status === "active" ? apiKeySpec.readResult(id, props!, key) : { id: "" };
      }),
    update: (id, olds, news) =>
      withContext(`update ${label(news)}`, async () => {
        const [orgId, projectId] = [olds.organizationId, olds.projectId];
        const key = olds.name === news.name ? await client().apiKeys.get(orgId, projectId, id) : await client().apiKeys.rename(orgId, projectId, id, news.name);
        return { outs: apiKeySpec.outputs(news, key, olds) };
      }),
    delete: (id, props) =>
      withContext(`delete ${label(props)}`, async () => {
        await unlessGone(client(), retire(client(), props, id), whereabouts(props));
      }),
  };
};

/** The object a claim names: the key itself. */
const claimOf = (id: string) => id;

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

export const apiKeyImplementation = confirmingHeldClaims(implementation, claimOf);

const provider = providerFor("apiKey");

/** An API key of a project; `secret` is a Pulumi secret. */
export class ApiKey extends pulumi.dynamic.Resource {
  declare readonly projectId: pulumi.Output<string>;
  declare readonly organizationId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;
  declare readonly permissions: pulumi.Output<ApiKeyObject["permissions"]>;
  declare readonly expiresInDays: pulumi.Output<number | undefined>;
  declare readonly rotationTriggers: pulumi.Output<Record<string, string> | undefined>;
  declare readonly rotationOverlapHours: pulumi.Output<number | undefined>;
  /** The key itself, shown by the API once; a Pulumi secret. */
  declare readonly secret: pulumi.Output<string>;
  declare readonly redactedValue: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string | undefined>;
  declare readonly lastUsedAt: pulumi.Output<string | undefined>;
  declare readonly status: pulumi.Output<ApiKeyObject["status"]>;
  declare readonly externalId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;
  declare readonly version: pulumi.Output<number>;
  /** The user whose token created it: refresh and destroy tell a deletion from another user's token by it. */
  declare readonly deployedBy: pulumi.Output<string | undefined>;
  /** When this stack's create made it. */
  declare readonly claimedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const options = pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secret"] });
    super(provider, name, resourceProps(apiKeySpec, name, args, options), options, MODULE, "ApiKey");
    confirmOnceRecorded(this, claimOf);
  }
}
