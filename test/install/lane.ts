import { Stack } from "@pulumi/pulumi/automation";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { account } from "../provider/support";
import { Backend, startBackend } from "../support/backend";
import { laneEnv, NodeLine, npmInstall, programDependencies, programStack, PROGRAM, scratch, writeFiles } from "./support";

/**
 * One user setup, end to end: the package installed from its tarball into a folder outside the
 * checkout, then up, a no-change preview, refresh, a key rotation and destroy against a real
 * backend, all on the lane's Node and SDK.
 */

export interface LaneSetup {
  node: NodeLine;
  sdk: string;
}

/** Where the program lives: its own folder, or a package of an npm workspace (hoisted, `main:` subfolder). */
export type Layout = "program folder" | "npm workspace";

const PULUMI_YAML = (main?: string) => `name: install-lane\nruntime: nodejs\n${main ? `main: ${main}\n` : ""}`;

/** Writes the layout into `root`, installs it and answers the program's folder (where Pulumi.yaml is). */
export async function installLayout(root: string, layout: Layout, lane: LaneSetup): Promise<string> {
  const dependencies = await programDependencies(lane.sdk);
  if (layout === "program folder") {
    writeFiles(root, {
      "package.json": { name: "tenancy-program", private: true, main: "index.js", dependencies },
      "Pulumi.yaml": PULUMI_YAML(),
      "index.js": PROGRAM,
    });
    await npmInstall(root, lane.node);
    return root;
  }
  writeFiles(root, {
    "package.json": { name: "monorepo", private: true, workspaces: ["packages/*"] },
    "packages/infra/package.json": { name: "infra", private: true, dependencies },
    "packages/infra/Pulumi.yaml": PULUMI_YAML("program/"),
    "packages/infra/program/index.js": PROGRAM,
  });
  await npmInstall(root, lane.node);
  return join(root, "packages", "infra");
}

/** Fetches `path` from the backend as the bootstrap user: [status, body]. */
export async function apiGet(backend: { url: string }, token: string, path: string): Promise<[number, any]> {
  const res = await fetch(new URL(path, backend.url), { headers: { authorization: `Bearer ${token}` } });
  return [res.status, await res.json()];
}

/**
 * A lane's install, started once: the suite starts every lane's install together (they wait on
 * the network and the disk, not on each other), then each lane awaits its own.
 */
export function laneInstall(layout: Layout, pick: () => LaneSetup) {
  let started: Promise<{ lane: LaneSetup; folder: ReturnType<typeof scratch>; programDir: string }> | undefined;
  return () =>
    (started ??= (async () => {
      const lane = pick();
      const folder = scratch("lane");
      try {
        return { lane, folder, programDir: await installLayout(join(folder.dir, "program"), layout, lane) };
      } catch (err) {
        folder.remove();
        throw err;
      }
    })());
}

export function describeLane(title: string, install: ReturnType<typeof laneInstall>): void {
  describe(title, function () {
    let lane: LaneSetup;
    let backend: Backend;
    let folder: ReturnType<typeof scratch>;
    let stack: Stack;
    let first: Record<string, any>;

    before(async () => {
      const installed = await install();
      ({ lane, folder } = installed);
      backend = await startBackend();
      // The program's key owner: a person without an account would only be invited.
      await account(backend, "ana@acme.test");
      stack = await programStack(installed.programDir, "dev", laneEnv(lane.node, join(folder.dir, "state")));
      await stack.setConfig("tenancy:endpoint", { value: backend.url });
      await stack.setConfig("tenancy:token", { value: backend.token, secret: true });
    });

    after(async () => {
      await stack?.destroy().catch(() => undefined);
      await backend?.dispose();
      folder?.remove();
    });

    it("installs one copy of the SDK, the program's own, beside pulumi-tenancy", () => {
      const modules = join(folder.dir, "program", "node_modules");
      const version = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
      assert.equal(version(join(modules, "@pulumi", "pulumi")), lane.sdk);
      assert.equal(existsSync(join(modules, "pulumi-tenancy", "node_modules", "@pulumi", "pulumi")), false);
      assert.equal(existsSync(join(folder.dir, "program", "packages", "infra", "node_modules", "pulumi-tenancy")), false);
      // The compiled provider came in the tarball; the backend's native and server modules did not.
      assert.equal(existsSync(join(modules, "pulumi-tenancy", "dist", "provider", "runtime.js")), true);
      assert.deepEqual(["better-sqlite3", "fastify", "pg"].filter((m) => existsSync(join(modules, m))), []);
    });

    it("creates the layout, running the program on the lane's Node and SDK", async () => {
      const up = await stack.up();
      assert.deepEqual(up.summary.resourceChanges, { create: 6 });
      first = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
      assert.deepEqual([first.node, first.sdk, up.outputs.secret.secret], [`v${lane.node.name.split(" ")[0]}`, lane.sdk, true]);
      const [status, key] = await apiGet(backend, backend.token, `/v1/organizations/${first.orgId}/projects/${first.projectId}/api-keys/${first.keyId}`);
      assert.deepEqual([status, key.status, key.owner], [200, "active", "ana@acme.test"]);
    });

    it("stores each resource's provider as a require of its kind's module, by the package's name", async () => {
      const resources = (await stack.exportStack()).deployment.resources.filter((r: any) => r.type.startsWith("pulumi-nodejs:dynamic/"));
      assert.equal(resources.length, 5);
      for (const r of resources as any[]) {
        assert.match(r.outputs.__provider, /require\("pulumi-tenancy\/dist\/provider\/kinds\/[a-z-]+\.js"\)/);
        assert.ok(r.outputs.__provider.length < 400, r.outputs.__provider);
      }
    });

    it("previews no changes, then refreshes with no changes", async () => {
      assert.deepEqual((await stack.preview()).changeSummary, { same: 6 });
      assert.deepEqual((await stack.refresh()).summary.resourceChanges, { same: 6 });
    });

    it("rotates the key: a new key, the old one working until the overlap (24 h) ends", async () => {
      await stack.setConfig("quarter", { value: "2026-Q2" });
      const rotatedAt = Date.now();
      const up = await stack.up();
      assert.deepEqual(up.summary.resourceChanges, { replace: 1, same: 5 });
      assert.notEqual(up.outputs.keyId.value, first.keyId);
      const [, old] = await apiGet(backend, backend.token, `/v1/organizations/${first.orgId}/projects/${first.projectId}/api-keys/${first.keyId}`);
      assert.equal(old.status, "active");
      const left = Date.parse(old.expiresAt) - rotatedAt;
      assert.ok(left > 23 * 3600_000 && left <= 24 * 3600_000 + 60_000, `the old key ends 24 h after the rotation, not ${left} ms (${old.expiresAt})`);
    });

    it("destroys everything", async () => {
      assert.deepEqual((await stack.destroy()).summary.resourceChanges, { delete: 6 });
      const [status] = await apiGet(backend, backend.token, `/v1/organizations/${first.orgId}`);
      assert.equal(status, 404);
    });
  });
}
