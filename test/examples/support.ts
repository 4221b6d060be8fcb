import assert from "node:assert/strict";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TenancyClient } from "../../provider/client";
import { account } from "../provider/support";
import { Backend, ROOT } from "../support/backend";
import { KEY_OWNERS } from "./expected";
import { engineEnv, pulumiCommand } from "../support/engine";

/**
 * An example program as a user runs it: its folder copied under .tenancy/ (so that stack init
 * never writes into the checked-in Pulumi.<stack>.yaml files), `node_modules/pulumi-tenancy`
 * linked to this checkout exactly as `npm install` of its `file:../..` dependency does, and its
 * stacks on the real engine with local file state. Endpoint and token travel in the environment
 * (TENANCY_ENDPOINT, TENANCY_TOKEN), as the examples' READMEs say.
 */
export interface ExampleProgram {
  dir: string;
  env: Record<string, string>;
  stack(name: string): Promise<Stack>;
  dispose(): void;
}

export async function exampleProgram(example: string, backend: Backend): Promise<ExampleProgram> {
  // Its key owners have accounts, as its README says they must; everyone else it adds is invited.
  for (const email of KEY_OWNERS[example] ?? []) await account(backend, email);
  const base = scratch();
  const dir = join(base, example);
  cpSync(join(ROOT, "examples", example), dir, { recursive: true, filter: (src) => !/node_modules|package-lock\.json/.test(src) });
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "pulumi-tenancy"), "dir");
  return programAt(base, dir, backend);
}

/** A fresh folder under .tenancy/test-examples/ (inside the checkout, so modules resolve). */
export function scratch(): string {
  const base = join(ROOT, ".tenancy", "test-examples", randomBytes(5).toString("hex"));
  mkdirSync(base, { recursive: true });
  return base;
}

/** The stacks of the program in `dir`, with their state in `base`, which `dispose` removes. */
export async function programAt(base: string, dir: string, backend: { url: string; token: string }): Promise<ExampleProgram> {
  const env = {
    ...engineEnv(join(base, "state")),
    TENANCY_ENDPOINT: backend.url,
    TENANCY_TOKEN: backend.token,
    // The examples are type-checked once by tsc (examples.test.ts); the engine runs need not redo it.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
  const command = await pulumiCommand();
  return {
    dir,
    env,
    stack: (stackName) => LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { pulumiCommand: command, envVars: env }),
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** The operations of a preview other than `same`: empty when the backend matches the program. */
export function changes(summary: Record<string, number | undefined>): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(summary).filter(([op, n]) => op !== "same" && n));
}

/**
 * What the backend holds, in a form a test compares whole: per organization (by name) its
 * members (`email role`, `service account NAME role`) and its active projects with their environment, owner, key owner,
 * limits, members and active keys (`name owner permissions expiry-in-days`).
 */
export async function backendLayout(client: TenancyClient): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const org of (await client.organizations.list({})).data) {
    // People without an account are invited: listed as such, with the project roles their invitation grants.
    const invitations = (await client.invitations.list(org.id, { status: "pending" })).data;
    const invitedTo = (projectId: string) => invitations.flatMap((i) => i.projects.filter((p) => p.projectId === projectId).map((p) => `${i.email} ${p.role} (invited)`));
    const members = [...(await client.members.list({ organizationId: org.id }, {})).data.map(who), ...invitations.map((i) => `${i.email} ${i.role} (invited)`)].sort();
    const projects: Record<string, unknown> = {};
    for (const p of (await client.projects.list(org.id, {})).data.filter((p) => p.status === "active")) {
      const scope = { organizationId: org.id, projectId: p.id };
      const keys = (await client.apiKeys.list(org.id, p.id, {})).data.filter((k) => k.status === "active");
      projects[p.name] = {
        environment: p.environment,
        owner: p.owner,
        keyOwner: p.keyOwner,
        escalationContact: p.escalationContact,
        expectedMonthlySpendUsd: p.expectedMonthlySpendUsd,
        limits: p.limits,
        members: [...(await client.members.list(scope, {})).data.map(who), ...invitedTo(p.id)].sort(),
        keys: keys.map((k) => `${k.name} ${k.owner} ${k.permissions} ${days(k.createdAt, k.expiresAt)}d`).sort(),
      };
    }
    result[org.name] = { members, projects };
  }
  return result;
}

/** `email role`, or `service account NAME role` (its address is random). */
const who = (m: { email: string; role: string; kind: string; name?: string }) => (m.kind === "service_account" ? `service account ${m.name} ${m.role}` : `${m.email} ${m.role}`);

function days(from: string, to: string | undefined): number | string {
  return to ? Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) : "no-expiry";
}

/**
 * `tenancy review --preview-json FILE --fail-on warning`, the package's bin, on the stack's
 * preview saved by the engine (`pulumi preview --json --show-sames`): the report and the exit
 * status (0: no finding at all). (`--stack S --cwd DIR` runs that preview itself; see
 * notes/requests-to-review.md for why the tests save it first.)
 */
export async function review(program: ExampleProgram, stack: string): Promise<{ status: number; report: string; stderr: string }> {
  const preview = await run("pulumi", ["preview", "--json", "--show-sames", "--non-interactive", "--stack", stack], program);
  if (preview.status !== 0) throw new Error(`pulumi preview --json of ${stack} failed:\n${preview.stderr}\n${preview.stdout.slice(0, 4000)}`);
  const file = join(program.dir, "..", `preview-${stack}.json`);
  writeFileSync(file, preview.stdout);
  const r = await run(process.execPath, [join(ROOT, "dist", "provider", "cli", "index.js"), "review", "--preview-json", file, "--fail-on", "warning"], program);
  return { status: r.status, report: r.stdout, stderr: r.stderr };
}

function run(command: string, args: string[], program: ExampleProgram): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { cwd: program.dir, env: { ...process.env, ...program.env }, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The review of a first preview: every resource created, not one guardrail finding, exit 0. */
export function assertCleanReview(r: { status: number; report: string; stderr: string }): void {
  assert.equal(r.status, 0, `tenancy review exited ${r.status}:\n${r.stderr}\n${r.report}`);
  assert.match(r.report, /^## Access review\n\n\*\*\d+ (person gains|people gain) (access|\d+ grants), .*\.\*\* No guardrail findings\.\n/);
  assert.doesNotMatch(r.report, /### Guardrails/);
}
