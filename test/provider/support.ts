import { InlineProgramArgs, LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TenancyClient } from "../../provider/client";
import assert from "node:assert/strict";
import { account } from "../backend/helpers";
import { Backend, ROOT, startBackend } from "../support/backend";
import { engineEnv, pulumiCommand } from "../support/engine";
import { failWhenMonitorLost, retryWhenMonitorLost } from "./monitor-guard";

/**
 * A stack of the real engine with local file state, for a program of the test's own. Its work
 * folder is inside the checkout (under .tenancy/, ignored by git): the dynamic-provider host runs
 * there and finds @pulumi/pulumi and pulumi-tenancy by walking up from it.
 */
export interface TestStack {
  stack: Stack;
  dir: string;
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export interface StackOptions {
  endpoint: string;
  /** Omitted: no `tenancy:token`, so the provider uses the session `tenancy login` stored. */
  token?: string;
  /** More environment for the engine and the programs and providers it starts. */
  env?: Record<string, string>;
  /** The inline program; omit for a program folder (`Pulumi.yaml` written by the test into `dir`). */
  program?: PulumiFn;
  projectName?: string;
  /** Store the token without --secret (to prove it is refused). */
  plainToken?: boolean;
}

export function workDir(): string {
  const dir = join(ROOT, ".tenancy", "test-stacks", randomBytes(5).toString("hex"));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A work folder holding the repository's root program (which deploys `tenancy.yaml`) and, when given, that file. */
export function rootProgramDir(projectName: string, layout?: string): string {
  const dir = workDir();
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${projectName}\nruntime: nodejs\nmain: index.js\n`);
  writeFileSync(join(dir, "index.js"), `module.exports = require(${JSON.stringify(join(ROOT, "dist", "program", "index.js"))});\n`);
  if (layout !== undefined) writeFileSync(join(dir, "tenancy.yaml"), layout);
  return dir;
}

export async function testStack(options: StackOptions, dir = workDir()): Promise<TestStack> {
  const env = { ...engineEnv(join(dir, "state")), ...options.env };
  const pulumiCmd = await pulumiCommand();
  const projectName = options.projectName ?? "tenancy-test";
  const stack = options.program
    ? await LocalWorkspace.createOrSelectStack({ stackName: "test", projectName, program: failWhenMonitorLost(options.program) } as InlineProgramArgs, {
        workDir: dir,
        pulumiCommand: pulumiCmd,
        envVars: env,
        projectSettings: { name: projectName, runtime: "nodejs" },
      })
    : await LocalWorkspace.createOrSelectStack({ stackName: "test", workDir: dir }, { pulumiCommand: pulumiCmd, envVars: env });
  if (options.program) retryWhenMonitorLost(stack);
  await stack.setConfig("tenancy:endpoint", { value: options.endpoint });
  if (options.token !== undefined) await stack.setConfig("tenancy:token", { value: options.token, secret: !options.plainToken });
  return {
    stack,
    dir,
    env,
    async dispose() {
      await stack.workspace.removeStack("test", { force: true }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function api(endpoint: string, token: string): TenancyClient {
  return new TenancyClient({ endpoint, token });
}

/** The engine's own words from a failed operation (the Automation API puts them in the error). */
export async function failure(op: Promise<unknown>): Promise<string> {
  try {
    await op;
  } catch (err) {
    return String((err as Error).message);
  }
  throw new Error("the operation succeeded; expected it to fail");
}

/**
 * Gives each of `people` an account, as an operator does on the server host (test/backend/helpers.ts
 * `account`): a stack that adds them then makes a membership at once, not an invitation. A key
 * owner needs one; a suite whose layout is not about invitations gives everyone in it one.
 */
export { account };

/** `account` for each of `people`: a suite whose layout is not about invitations gives everyone in it an account, as before invitations. */
export async function accounts(backend: Backend, people: readonly string[]): Promise<void> {
  for (const email of people) await account(backend, email);
}

/** A POST to the API with the backend's root token, for what the client has no method for; expects 201. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each caller reads the fields of its own route's answer
export async function post(backend: Backend, path: string, body: unknown): Promise<any> {
  const res = await fetch(backend.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${backend.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

/** A backend, a client of its bootstrap token and a stack of `program`: made before the suite, destroyed after it. */
export interface Deployment {
  backend: Backend;
  client: TenancyClient;
  t: TestStack;
}

export function useDeployment(program: PulumiFn, people: readonly string[] = []): Deployment {
  const d = {} as Deployment;
  before(async () => {
    d.backend = await startBackend();
    await accounts(d.backend, people);
    d.client = api(d.backend.url, d.backend.token);
    d.t = await testStack({ endpoint: d.backend.url, token: d.backend.token, program });
  });
  after(async () => {
    await d.t?.stack.destroy().catch(() => undefined);
    await d.t?.dispose();
    await d.backend?.dispose();
  });
  return d;
}

/** A backend and a client of its bootstrap token, made before the suite; the stacks a test pushes are destroyed after it. */
export interface Stacks {
  backend: Backend;
  root: TenancyClient;
  stacks: TestStack[];
}

export function useStacks(people: readonly string[] = []): Stacks {
  const s = { stacks: [] as TestStack[] } as Stacks;
  before(async () => {
    s.backend = await startBackend();
    await accounts(s.backend, people);
    s.root = api(s.backend.url, s.backend.token);
  });
  after(async () => {
    for (const t of s.stacks) {
      await t.stack.destroy().catch(() => undefined);
      await t.dispose();
    }
    await s.backend?.dispose();
  });
  return s;
}
