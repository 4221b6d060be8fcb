import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeAccess, DriftReport, driftReport, StateResource } from "../access";
import { clientFor } from "../config";
import { engineEnv, UsageError } from "../review/run";

/**
 * `tenancy drift [--stack S] [--json] [--cwd DIR]`, for a scheduled job: the undeclared access of
 * every organization and project the stack declares (provider/access/), read from the stack's
 * state and the backend with the stack's own endpoint and token. Exit 0 when there is none, 1 when
 * there is some; the CLI exits 2 on a wrong argument and 3 when the stack or backend cannot be read.
 */

export const DRIFT_USAGE = `  tenancy drift [--stack S] [--json] [--cwd DIR]`;

export const DRIFT_HELP = `drift         the access no resource of the stack declares, in each organization and project it
              declares; exits 1 when there is any (for a scheduled job), 0 when there is none
--json        (drift) the report as JSON: { version, stack, drift, scopes: [...] } (README)
`;

export const DRIFT_OPTIONS = { stack: {}, cwd: {}, json: { flag: true as const } };

export async function drift(args: Record<string, string>, cwd: string): Promise<number> {
  const report = await driftOf(cwd, args.stack);
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderDrift(report));
  return report.drift ? 1 : 0;
}

async function driftOf(cwd: string, stackName: string | undefined): Promise<DriftReport> {
  if (!existsSync(join(cwd, "Pulumi.yaml")) && !existsSync(join(cwd, "Pulumi.yml"))) throw new UsageError(`--cwd: ${cwd} holds no Pulumi.yaml; pass the folder of the Pulumi program`);
  const { env, bin } = engineEnv(cwd, {});
  const pulumiCommand = await PulumiCommand.get({ root: dirname(bin) });
  const ws = await LocalWorkspace.create({ workDir: cwd, pulumiCommand, envVars: env });
  const stack = stackName ?? (await ws.stack())?.name;
  if (!stack) throw new UsageError(`--stack: no stack is selected in ${cwd}; name one (existing: ${(await ws.listStacks()).map((s) => s.name).join(", ") || "none"})`);
  if (!(await ws.listStacks()).some((s) => s.name === stack)) throw new UsageError(`--stack: there is no stack ${stack} in ${cwd}`);
  const setting = async (key: string) => (await ws.getConfig(stack, key).catch(() => undefined))?.value || undefined;
  const client = clientFor({ endpoint: await setting("tenancy:endpoint"), token: await setting("tenancy:token") });
  const state = await ws.exportStack(stack);
  const resources = ((state.deployment as { resources?: StateResource[] } | undefined)?.resources ?? []).filter((r) => r.urn);
  return driftReport(client, stack, resources);
}

/** The report as plain text, one line per grant. */
export function renderDrift(report: DriftReport): string {
  const lines = [report.drift ? `undeclared access in stack ${report.stack}:` : `no undeclared access in stack ${report.stack}`];
  for (const s of report.scopes) {
    if (s.undeclared.length === 0 && s.kept.length === 0) continue;
    lines.push(`${s.scope} ${JSON.stringify(s.name)} (${s.projectId ?? s.organizationId}):`);
    for (const a of s.undeclared) lines.push(`  - ${describeAccess(a)}`);
    for (const k of s.kept) lines.push(`  kept ${describeAccess(k)}: ${k.why}`);
  }
  return `${lines.join("\n")}\n`;
}
