import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeAccess, driftReport, ScopeDrift, StateResource } from "../access";
import { TenancyClient } from "../client";
import { clientFor, credentialFor } from "../config";
import { authorsOf } from "../review/audit";
import { resolveIds } from "../review/directory";
import { describeDrift } from "../review/drift";
import { engineEnv, loadPreview, UsageError } from "../review/run";

/**
 * `tenancy drift [--stack S] [--json] [--cwd DIR]`, for a scheduled job: the fields changed in the
 * backend outside the stack, found by a refresh preview and told as `tenancy review` tells them
 * (provider/review/drift.ts, with who and when from the audit log), and apart from them the
 * undeclared access of every organization and project the stack declares (provider/access/), read
 * with the stack's own endpoint and token. Exit 0 when there is neither, 1 when there is any; the
 * CLI exits 2 on a wrong argument and 3 when the stack, its preview or the backend cannot be read.
 */

export const DRIFT_USAGE = `  tenancy drift [--stack S] [--json] [--cwd DIR]`;

export const DRIFT_HELP = `drift         what changed in the backend outside the stack (a refresh preview), and the access no
              resource of the stack declares in each organization and project it declares; exits
              1 when there is any (for a scheduled job), 0 when there is none
--json        (drift) the report as JSON: { version: 2, stack, drift, changes: [...], scopes: [...] } (README)
`;

/** `tenancy drift --json`'s output, a stable shape (README, "tenancy drift"); version 2 added `changes`. */
export interface StackDrift {
  version: 2;
  stack: string;
  /** True when there is any out-of-band change or undeclared access: the command then exits 1. */
  drift: boolean;
  /** Fields changed in the backend since the stack last wrote them. */
  changes: OutOfBandChange[];
  /** Per organization and project the stack declares, its undeclared access. */
  scopes: ScopeDrift[];
}

export interface OutOfBandChange {
  urn: string;
  /** The object, named as the backend names it: `project chat-dev (proj_…)`. */
  object: string;
  /** What changed: `limits.requestsPerMinute: 100 → 500`, `role member → admin`. */
  change: string;
  /** Who made it (audit log), in the order they acted; empty when the log does not say. */
  by: string[];
  /** When the last of them acted. */
  at?: string;
}

export const DRIFT_OPTIONS = { stack: {}, cwd: {}, json: { flag: true as const } };

export async function drift(args: Record<string, string>, cwd: string): Promise<number> {
  const report = await driftOf(cwd, args.stack);
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderDrift(report));
  return report.drift ? 1 : 0;
}

async function driftOf(cwd: string, stackName: string | undefined): Promise<StackDrift> {
  if (!existsSync(join(cwd, "Pulumi.yaml")) && !existsSync(join(cwd, "Pulumi.yml"))) throw new UsageError(`--cwd: ${cwd} holds no Pulumi.yaml; pass the folder of the Pulumi program`);
  const { env, bin } = engineEnv(cwd, {});
  const pulumiCommand = await PulumiCommand.get({ root: dirname(bin) });
  const ws = await LocalWorkspace.create({ workDir: cwd, pulumiCommand, envVars: env });
  const stack = stackName ?? (await ws.stack())?.name;
  if (!stack) throw new UsageError(`--stack: no stack is selected in ${cwd}; name one (existing: ${(await ws.listStacks()).map((s) => s.name).join(", ") || "none"})`);
  if (!(await ws.listStacks()).some((s) => s.name === stack)) throw new UsageError(`--stack: there is no stack ${stack} in ${cwd}`);
  const setting = async (key: string) => (await ws.getConfig(stack, key).catch(() => undefined))?.value || undefined;
  const settings = { endpoint: await setting("tenancy:endpoint"), token: await setting("tenancy:token") };
  const client = clientFor(settings);
  const state = await ws.exportStack(stack);
  const resources = ((state.deployment as { resources?: StateResource[] } | undefined)?.resources ?? []).filter((r) => r.urn);
  const undeclared = await driftReport(client, stack, resources);
  const changes = await outOfBand(cwd, stack, client, credentialFor(settings));
  return { version: 2, stack, drift: undeclared.drift || changes.length > 0, changes, scopes: undeclared.scopes };
}

/** What a refresh preview finds changed since the stack last wrote it, in the review's words and with its authors. */
async function outOfBand(cwd: string, stack: string, client: TenancyClient, backend: { endpoint: string; token: string }): Promise<OutOfBandChange[]> {
  const { preview } = await loadPreview({ stack, cwd, refresh: true });
  if (!preview.drift?.length) return [];
  const directory = await resolveIds(preview, client);
  const authors = await authorsOf(preview.drift, directory, backend);
  return describeDrift(preview, directory, authors).map((d) => ({ urn: d.urn, object: d.what, change: d.change, by: d.author?.by ?? [], ...(d.author?.at ? { at: d.author.at } : {}) }));
}

/** The report as plain text: the out-of-band changes, then the undeclared access, one line each. */
export function renderDrift(report: StackDrift): string {
  const lines: string[] = [];
  if (report.changes.length) {
    lines.push(`changed outside stack ${report.stack} (found by refresh; the next up undoes it unless the program adopts it):`);
    for (const c of report.changes) lines.push(`  - ${c.object}: ${c.change} (${c.by.length ? `by ${c.by.join(", ")}` : "not in the audit log"}${c.at ? ` at ${c.at}` : ""})`);
  }
  const undeclared = report.scopes.some((s) => s.undeclared.length > 0);
  lines.push(undeclared ? `undeclared access in stack ${report.stack}:` : `no undeclared access in stack ${report.stack}`);
  for (const s of report.scopes) {
    if (s.undeclared.length === 0 && s.kept.length === 0) continue;
    lines.push(`${s.scope} ${JSON.stringify(s.name)} (${s.projectId ?? s.organizationId}):`);
    for (const a of s.undeclared) lines.push(`  - ${describeAccess(a)}`);
    for (const k of s.kept) lines.push(`  kept ${describeAccess(k)}: ${k.why}`);
  }
  return `${lines.join("\n")}\n`;
}
