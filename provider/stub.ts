import * as pulumi from "@pulumi/pulumi";
import { relative, sep } from "path";

/** The provider methods the stub forwards, by name. */
export type Method = "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";

/**
 * The module under ./kinds/ whose exports are `kind`'s provider (`dispatchingProvider(kind)`):
 * `apiKey` → `api-key`. State stores its path (below), so it is public API and never renamed.
 */
export const kindModule = (kind: string): string => kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The provider handed to `dynamic.Resource` for `kind`. Pulumi's closure serializer stores an
 * object that is the exports of a module under `node_modules/` as `require("<path after
 * node_modules>")` rather than as its code: when this package is installed, the kind's module
 * (./kinds/) is stored as `require("pulumi-tenancy/dist/provider/kinds/<kind>.js")`, some 100
 * characters instead of the stub's 2,800, twice per resource. The host resolves it from its
 * working directory up and from NODE_PATH, where it found @pulumi/pulumi itself, which this package
 * is a peer of.
 *
 * Anywhere else the stub below is stored, by value: in this checkout (no node_modules in the
 * path: the serializer would copy the module's code), or where the path after the first
 * node_modules is not the package's own name (pnpm's `.pnpm/pulumi-tenancy@0.2.0…/`, a nested
 * install), which would tie the state to one install layout and version.
 */
export function providerFor(kind: string): pulumi.dynamic.ResourceProvider {
  const module = kindModule(kind);
  let file: string;
  try {
    file = require.resolve(`./kinds/${module}`);
  } catch {
    // A kind without a module of its own (a new one, until it gets one) is stored by value.
    return providerStub(kind);
  }
  // The name the serializer gives it: the path from the working directory (see createClosure.js).
  const parts = relative(process.cwd(), file).split(sep);
  const at = parts.indexOf("node_modules");
  const stored = at >= 0 && parts.slice(at + 1).join("/") === `pulumi-tenancy/dist/provider/kinds/${module}.js`;
  return stored ? require(file) : providerStub(kind);
}

/**
 * The provider object handed to `dynamic.Resource` where `providerFor` cannot store a module.
 * Pulumi serializes it, with everything it captures, into each resource's state (`__provider`,
 * twice), so it captures only `kind`: no client,
 * no zod schema (which cannot be serialized), no endpoint or token. At call time it loads
 * the compiled implementation, `pulumi-tenancy/dist/provider/runtime`. The dynamic-provider host
 * evaluates this text without a file name, so Node's package self-reference cannot work; it looks
 * from the host's working directory (the program's folder, or its `main:`; an inline program's
 * `main` is its process's working directory) and from the @pulumi/pulumi running the host
 * (`require.main`: the program's own SDK, beside which npm installs this package as its peer, in
 * a hoisted workspace too), each through the node_modules folders above it, then for an
 * enclosing checkout of pulumi-tenancy itself (this repository's own programs).
 *
 * In a program without TypeScript of its own, Pulumi parses this function's text with the
 * TypeScript 3.8 it vendors, so it keeps to syntax that old (`??=` failed to serialize; only the
 * install lanes, outside this checkout, can see that).
 *
 * That module path and its `dispatch(kind, method, args)` export are public API: stubs already
 * stored in users' state keep requiring them, on refresh and delete too (test/install/old-state).
 */
export function providerStub(kind: string): pulumi.dynamic.ResourceProvider {
  const call = (method: Method, args: unknown[]): Promise<any> => {
    const { dirname } = require("path");
    const from = [process.cwd(), dirname(require.main?.filename ?? ".")];
    let file: string | undefined;
    for (let dir of from) for (; !file && dir != dirname(dir); dir = dirname(dir))
      for (const root of [dir + "/node_modules/pulumi-tenancy", dir]) try {
        if (require(root + "/package.json").name == "pulumi-tenancy") file = file || root + "/dist/provider/runtime";
      } catch {}
    if (!file) throw new Error(`pulumi-tenancy is not installed where ${from} can find it: npm install pulumi-tenancy`);
    return require(file).dispatch(kind, method, args);
  };
  return {
    configure: (...a) => call("configure", a),
    check: (...a) => call("check", a),
    diff: (...a) => call("diff", a),
    create: (...a) => call("create", a),
    read: (...a) => call("read", a),
    update: (...a) => call("update", a),
    delete: (...a) => call("delete", a),
  };
}
