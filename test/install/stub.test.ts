import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/backend";
import { files } from "../fixtures/old-state/fixture";
import { scratch, writeFiles } from "./support";

/**
 * The provider stub as the dynamic-provider host sees it: serialized by the SDK the way
 * `dynamic.Resource` does (with the TypeScript 3.8 parser the SDK vendors, as in a program
 * without TypeScript of its own), then evaluated by require-from-string, without a file name,
 * in a process whose working directory and main module are chosen per case.
 */

const SDK = join(ROOT, "node_modules", "@pulumi", "pulumi");
// Hides the checkout's TypeScript from the SDK, as in a user's plain-JavaScript program.
const NO_TYPESCRIPT = `const M = require("module"); const r = M._resolveFilename;
M._resolveFilename = function (request, ...rest) { if (request === "typescript") throw new Error("no typescript"); return r.call(this, request, ...rest); };`;

/** The stub text for `kind`, or with `stubModule` and `cwd` what `providerFor` stores from there. */
function serialized(kind: string, stubModule = join(ROOT, "dist", "provider", "stub.js"), cwd = ROOT, factory = "providerStub"): string {
  const script = `${NO_TYPESCRIPT}
const pulumi = require(${JSON.stringify(SDK)});
const provider = require(${JSON.stringify(stubModule)}).${factory}(${JSON.stringify(kind)});
pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false }).then((s) => process.stdout.write(s.text), (e) => { console.error(e.message); process.exit(1); });`;
  return execFileSync(process.execPath, ["-e", script], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs `check` of the stub text in a host whose main module is `main` and working directory `cwd`. */
function callStub(text: string, cwd: string, main: string): unknown {
  writeFiles(join(main, ".."), {
    [main.split("/").pop()!]: `const requireFromString = require(${JSON.stringify(require.resolve("require-from-string", { paths: [SDK] }))});
const provider = requireFromString(require("fs").readFileSync(0, "utf8")).handler();
Promise.resolve().then(() => provider.check({}, { name: "x" })).then((r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ error: e.message })));`,
  });
  return JSON.parse(execFileSync(process.execPath, [main], { cwd, input: text, encoding: "utf8" }));
}

/**
 * A stand-in for the installed package whose dispatch answers where it was found; with `kinds`,
 * it holds the compiled stub and kind modules too, as the tarball does.
 */
function fakePackage(dir: string, kinds = false): void {
  writeFiles(dir, {
    "package.json": { name: "pulumi-tenancy", version: "0.0.0-fake" },
    "dist/provider/runtime.js": "exports.dispatch = async (kind, method, args) => ({ from: __dirname, kind, method, args });",
  });
  if (kinds) cpSync(join(ROOT, "dist", "provider", "stub.js"), join(dir, "dist", "provider", "stub.js"));
  if (kinds) cpSync(join(ROOT, "dist", "provider", "kinds"), join(dir, "dist", "provider", "kinds"), { recursive: true, filter: (f) => !f.endsWith(".map") });
}

describe("the serialized provider stub", function () {
  this.timeout(60 * 1000);
  let text: string;
  let tmp: ReturnType<typeof scratch>;

  before(() => {
    text = serialized("apiKey");
    tmp = scratch("stub");
  });
  after(() => tmp?.remove());

  it("serializes with the SDK's own parser, no larger than the stub 0.1.0 stored", () => {
    const stored = JSON.parse(readFileSync(files.export, "utf8")).deployment.resources.find((r: any) => r.urn.endsWith("::backend")).outputs.__provider;
    assert.ok(text.length <= stored.length, `the stub grew: ${text.length} characters, 0.1.0 stored ${stored.length}`);
    assert.doesNotMatch(text, /127\.0\.0\.1|token|tmt_|tpk_/);
  });

  const answer = (from: string) => ({ from: join(from, "dist", "provider"), kind: "apiKey", method: "check", args: [{}, { name: "x" }] });

  it("finds the package in the program folder's node_modules", () => {
    fakePackage(join(tmp.dir, "program", "node_modules", "pulumi-tenancy"));
    assert.deepEqual(callStub(text, join(tmp.dir, "program"), join(tmp.dir, "elsewhere", "host.js")), answer(join(tmp.dir, "program", "node_modules", "pulumi-tenancy")));
  });

  it("finds it hoisted to a workspace root, from a main: subfolder of a workspace package", () => {
    fakePackage(join(tmp.dir, "mono", "node_modules", "pulumi-tenancy"));
    writeFiles(tmp.dir, { "mono/packages/infra/program/index.js": "" });
    const cwd = join(tmp.dir, "mono", "packages", "infra", "program");
    assert.deepEqual(callStub(text, cwd, join(tmp.dir, "elsewhere", "host.js")), answer(join(tmp.dir, "mono", "node_modules", "pulumi-tenancy")));
  });

  it("finds it beside the SDK running the host when the working directory has no node_modules", () => {
    const modules = join(tmp.dir, "tool", "node_modules");
    fakePackage(join(modules, "pulumi-tenancy"));
    writeFiles(tmp.dir, { "empty/.keep": "" });
    const host = join(modules, "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js");
    assert.deepEqual(callStub(text, join(tmp.dir, "empty"), host), answer(join(modules, "pulumi-tenancy")));
  });

  it("finds an enclosing checkout of pulumi-tenancy itself", () => {
    const checkout = join(tmp.dir, "checkout");
    fakePackage(checkout);
    writeFiles(checkout, { ".tenancy/test-stacks/x/Pulumi.yaml": "" });
    assert.deepEqual(callStub(text, join(checkout, ".tenancy", "test-stacks", "x"), join(tmp.dir, "elsewhere", "host.js")), answer(checkout));
  });

  it("fails with the sentence saying how to install it when neither place has it", () => {
    writeFiles(tmp.dir, { "nothing/.keep": "" });
    const cwd = join(tmp.dir, "nothing");
    const main = join(tmp.dir, "elsewhere", "host.js");
    assert.deepEqual(callStub(text, cwd, main), {
      error: `pulumi-tenancy is not installed where ${cwd},${join(tmp.dir, "elsewhere")} can find it: npm install pulumi-tenancy`,
    });
  });
});

describe("the provider stored by the installed package", function () {
  this.timeout(60 * 1000);
  let tmp: ReturnType<typeof scratch>;
  const elsewhere = () => join(tmp.dir, "elsewhere", "host.js");
  const stored = (kind: string, cwd: string, modules: string) => serialized(kind, join(modules, "pulumi-tenancy", "dist", "provider", "stub.js"), cwd, "providerFor");
  const requireOf = (file: string) => `require("pulumi-tenancy/dist/provider/kinds/${file}.js")`;

  before(() => (tmp = scratch("kinds")));
  after(() => tmp?.remove());

  it("is a require of the kind's module, by the package's name, which the host runs from the program folder", () => {
    const program = join(tmp.dir, "program");
    fakePackage(join(program, "node_modules", "pulumi-tenancy"), true);
    const text = stored("apiKey", program, join(program, "node_modules"));
    assert.ok(text.includes(requireOf("api-key")), text);
    assert.ok(text.length < 400, `${text.length} characters:\n${text}`);
    assert.deepEqual(callStub(text, program, elsewhere()), {
      from: join(program, "node_modules", "pulumi-tenancy", "dist", "provider"),
      kind: "apiKey",
      method: "check",
      args: [{}, { name: "x" }],
    });
  });

  it("is the same require from a main: subfolder of a workspace package, the package hoisted", () => {
    const modules = join(tmp.dir, "mono", "node_modules");
    fakePackage(join(modules, "pulumi-tenancy"), true);
    writeFiles(tmp.dir, { "mono/packages/infra/program/index.js": "" });
    const cwd = join(tmp.dir, "mono", "packages", "infra", "program");
    const text = stored("serviceAccount", cwd, modules);
    assert.ok(text.includes(requireOf("service-account")), text);
    assert.deepEqual(callStub(text, cwd, elsewhere()), { from: join(modules, "pulumi-tenancy", "dist", "provider"), kind: "serviceAccount", method: "check", args: [{}, { name: "x" }] });
  });

  it("is the stub, by value, where the path names a version (pnpm), so no state is tied to one install", () => {
    const program = join(tmp.dir, "pnpm");
    const modules = join(program, "node_modules", ".pnpm", "pulumi-tenancy@0.0.0-fake", "node_modules");
    fakePackage(join(modules, "pulumi-tenancy"), true);
    const text = stored("project", program, modules);
    assert.doesNotMatch(text, /require\("[^"]*kinds/);
    assert.equal(text, serialized("project"));
  });

  it("is the stub, by value, in this checkout", () => {
    assert.equal(serialized("membership", join(ROOT, "dist", "provider", "stub.js"), ROOT, "providerFor"), serialized("membership"));
  });
});
