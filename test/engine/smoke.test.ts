import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineEnv, pulumiCommand } from "../support/engine";

describe("the provisioned Pulumi engine", function () {
  this.timeout(20 * 60 * 1000); // the first run may build the engine from Go modules

  let dir: string;
  let stack: Stack;
  const file = () => join(dir, "greeting.json");

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tenancy-smoke-"));
    const pulumi = await pulumiCommand();
    stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "smoke", workDir: join(__dirname, "fixtures", "smoke") },
      { pulumiCommand: pulumi, envVars: engineEnv(join(dir, "state")) },
    );
    await stack.setConfig("path", { value: file() });
    await stack.setConfig("greeting", { value: "hello" });
  });

  after(async () => {
    await stack?.workspace.removeStack("smoke", { force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports its version", async () => {
    const pulumi = await pulumiCommand();
    assert.match(pulumi.version?.toString() ?? "", /^3\.\d+\.\d+/);
  });

  it("previews a create, then creates the resource", async () => {
    const preview = await stack.preview();
    assert.deepEqual(preview.changeSummary, { create: 2 });
    const up = await stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 2 });
    assert.equal(up.outputs.greeting.value, "hello");
    assert.deepEqual(JSON.parse(readFileSync(file(), "utf8")), { greeting: "hello" });
  });

  it("previews no changes after the up", async () => {
    const preview = await stack.preview();
    assert.deepEqual(preview.changeSummary, { same: 2 });
  });

  it("updates in place when an input changes", async () => {
    await stack.setConfig("greeting", { value: "bonjour" });
    const preview = await stack.preview();
    assert.deepEqual(preview.changeSummary, { same: 1, update: 1 });
    const up = await stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 1, update: 1 });
    assert.deepEqual(JSON.parse(readFileSync(file(), "utf8")), { greeting: "bonjour" });
  });

  it("finds drift on refresh", async () => {
    writeFileSync(file(), JSON.stringify({ greeting: "changed out of band" }));
    const refresh = await stack.refresh();
    assert.deepEqual(refresh.summary.resourceChanges, { same: 1, update: 1 });
    const preview = await stack.preview();
    assert.deepEqual(preview.changeSummary, { same: 1, update: 1 });
    await stack.up();
    assert.deepEqual(JSON.parse(readFileSync(file(), "utf8")), { greeting: "bonjour" });
  });

  it("destroys everything", async () => {
    const destroy = await stack.destroy();
    assert.deepEqual(destroy.summary.resourceChanges, { delete: 2 });
    assert.throws(() => readFileSync(file()), /ENOENT/);
  });
});
