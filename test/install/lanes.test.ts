import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { account } from "../provider/support";
import { Backend, startBackend } from "../support/backend";
import { engineBin } from "../support/engine";
import { apiGet, describeLane, laneInstall } from "./lane";
import { laneEnv, newestSdk, NodeLine, npmInstall, pinnedSdk, programDependencies, PROGRAM, registryNode, scratch, thisNode, writeFiles } from "./support";

/**
 * The user's setups (issue 10): pulumi-tenancy packed, installed into folders outside the checkout
 * and deployed end to end on this machine's Node 20 with the pinned SDK, on Node 22 and Node 24
 * (from the npm registry) with the newest SDK, from an npm workspace, and as an Automation API
 * inline program. A lane that cannot get its Node or SDK fails; it is never skipped.
 */
describe("pulumi-tenancy installed from its tarball", function () {
  this.timeout(15 * 60 * 1000);

  const lanes = {
    "Node 20 (this machine) with the pinned SDK, in a program folder": laneInstall("program folder", () => ({ node: thisNode(), sdk: pinnedSdk() })),
    "Node 22 with the newest SDK, in a program folder": laneInstall("program folder", () => ({ node: registryNode(22), sdk: newestSdk() })),
    "Node 24 with the newest SDK, in a program folder": laneInstall("program folder", () => ({ node: registryNode(24), sdk: newestSdk() })),
    "Node 20 in an npm workspace (hoisted), main: a subfolder": laneInstall("npm workspace", () => ({ node: thisNode(), sdk: pinnedSdk() })),
  };
  let toolInstall: Promise<{ node: NodeLine; sdk: string; folder: ReturnType<typeof scratch> }> | undefined;
  const installTool = () =>
    (toolInstall ??= (async () => {
      const [node, sdk, folder] = [registryNode(22), newestSdk(), scratch("inline")];
      writeFiles(folder.dir, {
        "package.json": { name: "internal-tool", private: true, dependencies: await programDependencies(sdk) },
        "program.js": PROGRAM,
        "tool.js": readFileSync(join(__dirname, "inline-tool.js"), "utf8"),
      });
      await npmInstall(folder.dir, node);
      return { node, sdk, folder };
    })());
  // Every install at once; a failed one fails its own lane's `before`.
  before(() => [...Object.values(lanes), installTool].forEach((install) => install().catch(() => undefined)));
  for (const [title, install] of Object.entries(lanes)) describeLane(title, install);

  describe("Node 22 with the newest SDK, as an Automation API inline program in a temporary work dir", function () {
    let backend: Backend;

    before(async () => {
      backend = await startBackend();
      // The program's key owner: a person without an account would only be invited.
      await account(backend, "ana@acme.test");
    });
    after(async () => {
      await backend?.dispose();
      (await toolInstall?.catch(() => undefined))?.folder.remove();
    });

    it("creates, previews, refreshes, rotates the key and destroys", async () => {
      const { node, sdk, folder } = await installTool();
      const env = laneEnv(node, join(folder.dir, "state"));
      const { stdout } = await promisify(execFile)(join(node.bin, "node"), ["tool.js"], {
        cwd: folder.dir,
        env: { ...process.env, ...env, LANE_ENGINE_ROOT: join(engineBin(), ".."), TENANCY_ENDPOINT: backend.url, TENANCY_TOKEN: backend.token },
        maxBuffer: 16 * 1024 * 1024,
      }).catch((err) => {
        throw new Error(`the inline tool failed: ${err.message}\n${err.stderr ?? ""}`);
      });
      const report = JSON.parse(stdout.trim().split("\n").pop()!);
      const { ids, ...rest } = report;
      assert.deepEqual(rest, {
        workDirHasNodeModules: false,
        up: { create: 6 },
        outputs: { node: `v${node.name}`, sdk, secretIsSecret: true },
        preview: { same: 6 },
        refresh: { same: 6 },
        rotate: { replace: 1, same: 5 },
        keyChanged: true,
        destroy: { delete: 6 },
      });
      const [status] = await apiGet(backend, backend.token, `/v1/organizations/${ids.orgId}`);
      assert.equal(status, 404);
    });
  });
});
