import * as pulumi from "@pulumi/pulumi";
import { TenancyClient } from "./client";
import { assertTokenIsSecret, clientFor, StackSettings } from "./config";

/** The provider implementation of one kind, made per call from the stack settings. */
// Each kind has its own typed inputs and outputs; the runtime holds them side by side.
export type Implementation<Inputs = any, Outputs = any> = (settings: StackSettings) => pulumi.dynamic.ResourceProvider<Inputs, Outputs>;

/** Builds the client on first use, so `check` and `diff` work without credentials. */
export function lazyClient(settings: StackSettings): () => TenancyClient {
  let client: TenancyClient | undefined;
  return () => (client ??= clientFor(settings));
}

/** Pulumi's type token of a tenancy resource: `pulumi-nodejs:dynamic/tenancy:Project`. */
export const MODULE = "tenancy";

/**
 * The property bag a resource class passes to `dynamic.Resource`: the user's args, the URN as
 * `externalId` (every create sends it, so a create the engine lost track of is found again), and
 * every output-only field of the spec as `undefined` so that it is registered as an output.
 */
export function resourceProps(
  spec: { type: string; outputKeys: readonly string[] },
  name: string,
  args: object,
  opts?: pulumi.CustomResourceOptions,
): Record<string, unknown> {
  assertTokenIsSecret();
  const props: Record<string, unknown> = Object.fromEntries(spec.outputKeys.map((k) => [k, undefined]));
  Object.assign(props, args);
  props.externalId = pulumi.createUrn(name, `pulumi-nodejs:dynamic/${MODULE}:${spec.type}`, parentUrn(opts?.parent));
  return props;
}

/**
 * The parent's URN as a plain value, without the parent as a dependency. An input that depends on
 * a component resource depends on all of that component's children, so `createUrn(…, parent)`
 * made every child of a component (ProjectSet) wait for its siblings: a deadlock with two or more.
 */
function parentUrn(parent: pulumi.Resource | undefined): pulumi.Input<string> | undefined {
  return parent && pulumi.output(new Promise<string>((resolve) => parent.urn.apply(resolve)));
}

/** Prints a warning the engine shows with the update's diagnostics. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
