import * as pulumi from "@pulumi/pulumi";
import { stackSettings } from "./config";
import { KINDS, ResourceKind } from "./kind-table";
import { Implementation } from "./resource";
import { Method } from "./stub";

/**
 * The implementation behind the serialized provider stubs. Public API at a stable path
 * (`pulumi-tenancy/dist/provider/runtime`, export `dispatch`): stubs already stored in users'
 * state require it, so a provider upgrade takes effect on refresh and delete too.
 */

const IMPLEMENTATIONS = new Map<string, Implementation>(KINDS.map((k) => [k.kind, k.implementation]));

// The provider host process configures each stub once, then calls its methods; one stack per
// process. The implementation is made once per configuration, not per call.
const configured = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/** Runs `method` of the `kind` provider with the stub's arguments. */
export async function dispatch(kind: ResourceKind, method: Method, args: unknown[]): Promise<unknown> {
  const implementation = IMPLEMENTATIONS.get(kind);
  if (!implementation) throw new Error(`unknown tenancy resource kind "${kind}"; this pulumi-tenancy is older than the stack's state`);
  if (method === "configure") {
    configured.set(kind, implementation(stackSettings((args[0] as pulumi.dynamic.ConfigureRequest | undefined)?.config)));
    return;
  }
  let provider = configured.get(kind);
  if (!provider) configured.set(kind, (provider = implementation({})));
  const fn = provider[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (!fn) throw new Error(`the tenancy ${kind} provider has no ${method} method`);
  return fn(...args);
}
