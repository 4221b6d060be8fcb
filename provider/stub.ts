import * as pulumi from "@pulumi/pulumi";

/** The four kinds of resource; the runtime module picks the implementation by this name. */
export type ResourceKind = "organization" | "project" | "membership" | "apiKey" | "serviceAccount";

/** The provider methods the stub forwards, by name. */
export type Method = "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";

/**
 * The provider object handed to `dynamic.Resource`. Pulumi serializes it, with everything it
 * captures, into each resource's state (`__provider`), so it captures only `kind`: no client, no
 * zod schema (which cannot be serialized), no endpoint or token. At call time it loads the
 * compiled implementation, `pulumi-tenancy/dist/provider/runtime`, found from the working
 * directory (the program's folder): `node_modules/pulumi-tenancy`, or the enclosing checkout of
 * pulumi-tenancy itself. The host evaluates this text without a file name, so Node's package
 * self-reference cannot work here.
 *
 * That module path and its `dispatch(kind, method, args)` export are public API: stubs already
 * stored in users' state keep requiring them, on refresh and delete too.
 */
export function providerStub(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  const call = (method: Method, args: unknown[]): Promise<any> => {
    const path = require("path");
    let file: string | undefined;
    try {
      file = require.resolve("pulumi-tenancy/dist/provider/runtime", { paths: [process.cwd()] });
    } catch {
      for (let dir = process.cwd(); !file && dir !== path.dirname(dir); dir = path.dirname(dir)) {
        try {
          if (require(path.join(dir, "package.json")).name === "pulumi-tenancy") file = path.join(dir, "dist/provider/runtime.js");
        } catch {}
      }
    }
    if (!file) throw new Error(`pulumi-tenancy is not installed where ${process.cwd()} can find it: npm install pulumi-tenancy`);
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
