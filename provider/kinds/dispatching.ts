import type * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../kind-table";
import type { Method } from "../stub";

/**
 * The provider of one kind as the installed package holds it: each method hands its arguments to
 * the runtime of the package it was loaded from. No search for the package is needed, since the
 * dynamic-provider host found this module itself. The runtime is loaded on the first call: the
 * program process that imports the resource classes never needs it, and the runtime imports the
 * resource modules, which import these.
 */
export function dispatchingProvider(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let runtime: typeof import("../runtime") | undefined;
  const call =
    (method: Method) =>
    (...args: unknown[]): Promise<any> =>
      (runtime ??= require("../runtime") as typeof import("../runtime")).dispatch(kind, method, args);
  return {
    configure: call("configure"),
    check: call("check"),
    diff: call("diff"),
    create: call("create"),
    read: call("read"),
    update: call("update"),
    delete: call("delete"),
  };
}
