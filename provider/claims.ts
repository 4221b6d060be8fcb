import * as pulumi from "@pulumi/pulumi";
import { TenancyError } from "../schema/errors";
import type { TenancyClient } from "./client";
import { clientFor } from "./config";
import { Implementation, lazyClient } from "./resource";

/**
 * Why a create never takes over what another deployment made.
 *
 * Every create sends the resource's URN as `externalId`, and a create that meets its own
 * `externalId` must recover the object when the engine lost track of it (killed between the
 * backend's answer and the state write). But a URN is not unique: another state backend, another
 * person or another program can declare the same one. So the backend leaves a pending claim of
 * its caller on every object made with an `externalId`, and the deployment confirms it once the
 * engine has the object in its state:
 * - in the program, where the engine answers a resource's registration only after it has saved
 *   the checkpoint holding it: an `apply` on the outputs of a resource this deployment created
 *   runs after the state holds it, and confirms there (the program's process waits for the call);
 * - in the provider's `read` and `update`, for an object the state holds whose confirmation the
 *   program could not send (refresh, or the next change, sends it again; confirming twice is
 *   harmless).
 * A create that meets its `externalId` recovers the object only while the caller holds a pending
 * claim on it: the object was made by the same user and no deployment has recorded it, which is
 * exactly the lost create. Anything else (recorded by a deployment, or another user's) is refused,
 * naming the object and the URN that claims it; `adopt: true` takes it over deliberately where a
 * resource has it. A claim is only ever the caller's own: nobody confirms or sees another's.
 */

/** What a create keeps in state beside the object: who made it, and when this deployment did (or recovered it). */
export async function creation(client: TenancyClient): Promise<{ deployedBy: string; claimedAt: string }> {
  return { deployedBy: await client.myUserId(), claimedAt: new Date().toISOString() };
}

/**
 * Resolves when the create of `urn` may recover `holder` (it holds the same `externalId`): the
 * caller's own claim on it is pending, or the resource says `adopt: true`. Otherwise a 409.
 */
export async function assertRecoverable(client: TenancyClient, holder: { objectId: string; label: string }, urn: string, adopt?: boolean): Promise<void> {
  if (adopt || (await client.claims.pending(holder.objectId))) return;
  const how =
    adopt === undefined
      ? "give this resource another name, or manage the object from the stack that claims it"
      : "set adopt: true to take it over deliberately";
  throw new TenancyError(
    "external_id_taken",
    `${holder.label} is claimed by ${urn} in another deployment (another state backend, or another person's): it was made and recorded there, so a create does not take it over; ${how}`,
  );
}

/** The claim's object id of a resource, from its id and outputs. */
type ClaimOf<O> = (id: string, props: O) => string;

/** Wraps a kind's implementation so that `read` and `update` confirm the claim on an object the state holds. */
export function confirmingHeldClaims<I, O extends { claimedAt?: string }>(implementation: Implementation<I, O>, claimOf: ClaimOf<O>): Implementation<I, O> {
  return (settings) => {
    const provider = implementation(settings);
    const client = lazyClient(settings);
    // State written before claims existed has no `claimedAt`, and its objects no pending claim.
    const confirm = async (id: string, props: O) => void (props.claimedAt && (await client().claims.confirm([claimOf(id, props)])));
    return {
      ...provider,
      read: async (id, props) => {
        const result = await provider.read!(id, props);
        if (result.id && result.props) await confirm(result.id, result.props);
        return result;
      },
      update: async (id, olds, news) => {
        const result = await provider.update!(id, olds, news);
        await confirm(id, result.outs ?? olds);
        return result;
      },
    };
  };
}

/**
 * In the program, on `up`: once the engine has recorded a resource this deployment created (its
 * `claimedAt` is later than this process's start), confirms the claim on its object. `fields` are
 * the outputs `claimOf` reads.
 */
export function confirmOnceRecorded<O>(resource: pulumi.CustomResource, claimOf: ClaimOf<O>, fields: readonly (keyof O & string)[] = []): void {
  if (pulumi.runtime.isDryRun()) return;
  const started = Date.now() - process.uptime() * 1000;
  const outputs = resource as unknown as Record<string, pulumi.Output<unknown>>;
  const props = pulumi.all(Object.fromEntries([...fields, "claimedAt"].map((k) => [k, outputs[k]])));
  // Taken now, while the registration itself keeps the program connected: the SDK waits for it
  // before it tells the engine the program is done (an Automation API inline program would
  // otherwise return from `up` with the call still on its way).
  const release = pulumi.runtime.rpcKeepAlive();
  settled(pulumi.all([resource.id, props]))
    .then(async ([id, values]) => {
      const claimedAt = values.claimedAt as string | undefined;
      if (!claimedAt || Date.parse(claimedAt) < started) return;
      try {
        await programClient().claims.confirm([claimOf(id, values as O)]);
      } catch (err) {
        // The object is in the state: the provider's next read or update of it confirms it.
        const why = err instanceof Error ? err.message : String(err);
        pulumi.log.warn(`could not confirm that this stack holds ${id} (${why}); \`pulumi refresh\` confirms it`, resource);
      }
    })
    // A registration that failed is reported by the SDK itself; there is nothing to confirm.
    .catch(() => undefined)
    .finally(release);
}

/**
 * The promise behind an output, which settles whether the registration succeeds or fails (an
 * `apply` callback never runs on failure, and would hold the keep-alive forever). Internal to the
 * SDK, which awaits outputs this same way.
 */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** The backend and token of the program's own stack config, as the provider is configured. */
function programClient(): TenancyClient {
  const setting = (key: string) => pulumi.runtime.getConfig(key) || undefined;
  return clientFor({ endpoint: setting("tenancy:endpoint"), token: setting("tenancy:token") });
}
