import { Stack } from "@pulumi/pulumi/automation";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Backend, startBackend } from "../support/backend";
import { files, FIXTURE_TOKEN, STACK } from "../fixtures/old-state/fixture";
import { apiGet, installLayout } from "./lane";
import { laneEnv, pinnedSdk, programStack, scratch, thisNode } from "./support";

/**
 * State written by an older release keeps its provider stub: refresh and delete run that stored
 * text, and an update keeps it in the outputs of every resource the update does not touch. This
 * imports the checked-in fixture (deployed by pulumi-tenancy 0.1.0) into a program that installs
 * today's package from its tarball, with a backend started on a copy of the fixture's store.
 */
describe("a stack written by pulumi-tenancy 0.1.0, with today's package", function () {
  this.timeout(15 * 60 * 1000);

  // The stack recorded the address its backend had then (in its config and in the default
  // provider's stored inputs, which refresh and destroy use); today's backend has another port.
  const config = readFileSync(files.config, "utf8");
  const recorded = /tenancy:endpoint: (\S+)/.exec(config)![1];
  const moved = (text: string, url: string) => text.split(recorded).join(url);
  const deployment = JSON.parse(readFileSync(files.export, "utf8"));
  const old = Object.fromEntries(
    deployment.deployment.resources.filter((r: any) => r.type.startsWith("pulumi-nodejs:dynamic/")).map((r: any) => [r.urn.split("::").pop(), r]),
  );
  let backend: Backend;
  let folder: ReturnType<typeof scratch>;
  let stack: Stack;
  const get = (path: string) => apiGet(backend, FIXTURE_TOKEN, path);

  before(async () => {
    folder = scratch("old-state");
    copyFileSync(files.store, join(folder.dir, "tenancy.db"));
    backend = await startBackend({ env: { TENANCY_DATABASE_URL: `sqlite:${join(folder.dir, "tenancy.db")}` } });
    const lane = { node: thisNode(), sdk: pinnedSdk() };
    const dir = await installLayout(join(folder.dir, "program"), "program folder", lane);
    writeFileSync(join(dir, `Pulumi.${STACK}.yaml`), moved(config, backend.url));
    stack = await programStack(dir, STACK, laneEnv(lane.node, join(folder.dir, "state")));
    await stack.importStack(JSON.parse(moved(JSON.stringify(deployment), backend.url)));
  });

  after(async () => {
    await stack?.destroy().catch(() => undefined);
    await backend?.dispose();
    folder?.remove();
  });

  it("holds the 0.1.0 stub in its state, which requires the runtime by its public path", () => {
    for (const r of Object.values(old) as any[]) {
      assert.equal(r.inputs.__provider, r.outputs.__provider);
      assert.match(r.outputs.__provider, /require\.resolve\("pulumi-tenancy\/dist\/provider\/runtime"/);
    }
  });

  it("refreshes with the stored stubs: every object is still there, none is dropped", async () => {
    const refresh = await stack.refresh();
    const changes = refresh.summary.resourceChanges ?? {};
    assert.deepEqual(Object.keys(changes).filter((op) => op !== "same" && op !== "update"), []);
    assert.equal(Object.values(changes).reduce((a, b) => a + (b ?? 0), 0), 6);
    const [status, project] = await get(`/v1/organizations/${old.acme.outputs.id}/projects/${old.dev.outputs.id}`);
    assert.deepEqual([status, project.description], [200, "first"]);
  });

  it("updates the project in place and leaves the other objects, the key's secret kept", async () => {
    await stack.setConfig("description", { value: "second" });
    const up = await stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 5, update: 1 });
    assert.deepEqual([up.outputs.keyId.value, up.outputs.secret.secret], [old.backend.outputs.id, true]);
    assert.match(String(up.outputs.secret.value), /^tpk_/);
    const [, project] = await get(`/v1/organizations/${old.acme.outputs.id}/projects/${old.dev.outputs.id}`);
    assert.equal(project.description, "second");
  });

  it("destroys everything, the untouched resources through the stubs stored by 0.1.0", async () => {
    const state = (await stack.exportStack()).deployment.resources as any[];
    const stored = state.find((r) => r.urn.endsWith("::backend")).outputs.__provider;
    assert.equal(stored, old.backend.outputs.__provider);
    assert.deepEqual((await stack.destroy()).summary.resourceChanges, { delete: 6 });
    const [status] = await get(`/v1/organizations/${old.acme.outputs.id}`);
    assert.equal(status, 404);
  });
});
