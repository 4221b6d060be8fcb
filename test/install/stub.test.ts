import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

function serialized(kind: string): string {
  const script = `${NO_TYPESCRIPT}
const pulumi = require(${JSON.stringify(SDK)});
const provider = require(${JSON.stringify(join(ROOT, "dist", "provider", "stub.js"))}).providerStub(${JSON.stringify(kind)});
pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false }).then((s) => process.stdout.write(s.text), (e) => { console.error(e.message); process.exit(1); });`;
  return execFileSync(process.execPath, ["-e", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
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

/** A stand-in for the installed package whose dispatch answers where it was found. */
function fakePackage(dir: string): void {
  writeFiles(dir, {
    "package.json": { name: "pulumi-tenancy", version: "0.0.0-fake" },
    "dist/provider/runtime.js": "exports.dispatch = async (kind, method, args) => ({ from: __dirname, kind, method, args });",
  });
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
