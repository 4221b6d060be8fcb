// An internal tool that deploys the lanes' program through the Automation API as an inline
// program, run by the lane's Node from the tool's own folder (outside the checkout), with its own
// @pulumi/pulumi and pulumi-tenancy. The work dir is a fresh temporary folder outside any
// node_modules tree. The backend comes from TENANCY_ENDPOINT / TENANCY_TOKEN (no stack config).
// Prints one JSON report of every step on stdout.
const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
const fs = require("fs");
const os = require("os");
const path = require("path");

async function main() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "tenancy-inline-work-"));
  const pulumiCommand = await PulumiCommand.get({ root: process.env.LANE_ENGINE_ROOT });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "dev", projectName: "inline-lane", program: require("./program") },
    { workDir, pulumiCommand },
  );
  const report = { workDirHasNodeModules: fs.existsSync(path.join(workDir, "node_modules")) };
  const up = await stack.up();
  report.up = up.summary.resourceChanges;
  report.outputs = { node: up.outputs.node.value, sdk: up.outputs.sdk.value, secretIsSecret: up.outputs.secret.secret };
  report.preview = (await stack.preview()).changeSummary;
  report.refresh = (await stack.refresh()).summary.resourceChanges;
  await stack.setConfig("quarter", { value: "2026-Q2" });
  const rotated = await stack.up();
  report.rotate = rotated.summary.resourceChanges;
  report.keyChanged = rotated.outputs.keyId.value !== up.outputs.keyId.value;
  report.ids = { orgId: up.outputs.orgId.value, projectId: up.outputs.projectId.value, oldKeyId: up.outputs.keyId.value };
  report.destroy = (await stack.destroy()).summary.resourceChanges;
  await stack.workspace.removeStack("dev");
  fs.rmSync(workDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
