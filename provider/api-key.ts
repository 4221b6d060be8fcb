import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { z } from "zod";
import { ApiKey as ApiKeyObject, apiKeyInput, ApiKeyInput, idOf } from "../schema";
import { TenancyClient } from "./client";
import { canonical, checkInputs, diffInputs, InputSpec, logicalName, orMissing, pick, Props, withContext } from "./inputs";
import { Implementation, lazyClient, MODULE, resourceProps } from "./resource";
import { providerStub } from "./stub";

/**
 * An API key of a project, for workloads on the data plane. Only `name` updates in place; any
 * other change, `rotationTriggers` included, replaces the key: a rotation, in which the new key
 * is created before the old one is revoked, so a workload never goes without a working key.
 * `secret` is shown by the API only once: it is kept from state on refresh, and is a Pulumi
 * secret. A key the engine lost track of (found by its `externalId`) is revoked and made anew,
 * since its secret is gone.
 */

/** The inputs of an `ApiKey`. */
export type ApiKeyArgs = { [K in keyof Omit<ApiKeyInput, "externalId">]: pulumi.Input<ApiKeyInput[K]> } & {
  projectId: pulumi.Input<string>;
  /** Any string map; a change to it rotates the key (e.g. `{ quarter: "2026-Q4" }`). */
  rotationTriggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
};

const own = z.strictObject({ projectId: idOf("project"), rotationTriggers: z.record(z.string(), z.string()).optional() });
const spec: InputSpec = { own, ownKeys: Object.keys(own.shape), api: () => apiKeyInput };
const FIELDS = ["projectId", "rotationTriggers", "name", "owner", "permissions", "expiresInDays"];
const REPLACES = FIELDS.filter((f) => f !== "name");
const INPUT_KEYS = [...spec.ownKeys, ...Object.keys(apiKeyInput.shape)];
const OUTPUTS = ["organizationId", "secret", "redactedValue", "expiresAt", "lastUsedAt", "status", "createdAt", "updatedAt", "version"] as const;

function outputs(inputs: Props, key: ApiKeyObject, secret: unknown): Props {
  const { secret: _, ...shown } = key as ApiKeyObject & { secret?: string };
  return { ...inputs, ...shown, externalId: inputs.externalId, secret };
}

/**
 * The `externalId` sent on create: the URN and a digest of the replacing inputs, because a
 * rotation creates the new key while the old one, with the same URN, is still live.
 */
function externalIdFor(inputs: Props): string {
  const digest = createHash("sha256").update(canonical(pick(inputs, REPLACES))).digest("hex").slice(0, 16);
  return `${inputs.externalId}#${digest}`;
}

async function create(client: TenancyClient, inputs: Props) {
  const project = await client.projects.getById(inputs.projectId as string);
  const [orgId, projectId, externalId] = [project.organizationId, project.id, externalIdFor(inputs)];
  for (const lost of (await client.apiKeys.list(orgId, projectId, { externalId })).data) {
    if (lost.status === "active") await client.apiKeys.revoke(orgId, projectId, lost.id);
  }
  const body = { ...pick(inputs, ["name", "owner", "permissions", "expiresInDays"]), externalId };
  return client.apiKeys.create(orgId, projectId, body);
}

export const apiKeyImplementation: Implementation = (settings) => {
  const client = lazyClient(settings);
  const label = (inputs: Props) => `ApiKey "${logicalName(inputs, inputs.name)}"`;
  return {
    check: async (_olds, news) => checkInputs(spec, news),
    diff: async (_id, olds, news) => ({ ...diffInputs(olds, news, FIELDS, REPLACES), deleteBeforeReplace: false }),
    create: (inputs) =>
      withContext(`create ${label(inputs)}`, async () => {
        const key = await create(client(), inputs);
        return { id: key.id, outs: outputs(inputs, key, key.secret) };
      }),
    read: (id, props: Props) =>
      withContext(`read ${label(props)}`, async () => {
        const key = await orMissing(client().apiKeys.get(props.organizationId as string, props.projectId as string, id));
        if (key?.status !== "active") return { id: "" };
        const outs = outputs(props, key, props.secret);
        return { id, props: outs, inputs: pick(outs, INPUT_KEYS) };
      }),
    update: (id, olds: Props, news: Props) =>
      withContext(`update ${label(news)}`, async () => {
        const key = await client().apiKeys.rename(olds.organizationId as string, olds.projectId as string, id, news.name as string);
        return { outs: outputs(news, key, olds.secret) };
      }),
    delete: (id, props: Props) =>
      withContext(`delete ${label(props)}`, async () => {
        await orMissing(client().apiKeys.revoke(props.organizationId as string, props.projectId as string, id));
      }),
  };
};

const provider = providerStub("apiKey");

/** An API key of a project; `secret` is a Pulumi secret. */
export class ApiKey extends pulumi.dynamic.Resource {
  declare readonly projectId: pulumi.Output<string>;
  declare readonly organizationId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;
  declare readonly permissions: pulumi.Output<ApiKeyObject["permissions"]>;
  declare readonly expiresInDays: pulumi.Output<number | undefined>;
  declare readonly rotationTriggers: pulumi.Output<Record<string, string> | undefined>;
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

  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const options = pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secret"] });
    super(provider, name, resourceProps("ApiKey", name, args, OUTPUTS, options), options, MODULE, "ApiKey");
  }
}
