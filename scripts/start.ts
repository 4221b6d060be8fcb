import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ensureAccounts, keyOwnersOf, layoutFileOf } from "./accounts";

/**
 * `npm start`, the main job: starts a local backend (SQLite under .tenancy/), makes accounts for
 * the layout's key owners on the host (accounts.ts says why), deploys tenancy.yaml with the real
 * Pulumi engine and a local state folder, prints the layout and who is invited, stops the backend.
 * Everything it makes stays under .tenancy/; a second run reports no changes. The state, Pulumi
 * home and passphrase are the ones `npm run pulumi` uses, so `npm run pulumi -- stack output`
 * shows the same stack afterwards.
 */

const ROOT = resolve(__dirname, "..", "..");
const HOME = join(ROOT, ".tenancy");
const DEFAULT_STACK = "dev";
const DEPLOYER = "deployer@acme.test";
const DATABASE_URL = `sqlite:${join(HOME, "tenancy.db")}`;

/** A value made once and kept under .tenancy/, readable by its user only. */
function kept(name: string, make: () => string): string {
  const file = join(HOME, name);
  if (!existsSync(file)) writeFileSync(file, make(), { mode: 0o600 });
  chmodSync(file, 0o600);
  return readFileSync(file, "utf8").trim();
}

function startBackend(token: string): Promise<{ url: string; child: ChildProcess }> {
  const log = openSync(join(HOME, "backend.log"), "a");
  const child = spawn(process.execPath, [join(ROOT, "dist", "backend", "server.js")], {
    cwd: ROOT,
    env: {
      ...process.env,
      TENANCY_HOST: "127.0.0.1",
      TENANCY_PORT: "0",
      TENANCY_DATABASE_URL: DATABASE_URL,
      TENANCY_BOOTSTRAP_EMAIL: DEPLOYER,
      TENANCY_BOOTSTRAP_TOKEN: token,
    },
    stdio: ["ignore", "pipe", log],
  });
  return new Promise((done, fail) => {
    let seen = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      writeFileSync(join(HOME, "backend.log"), chunk, { flag: "a" });
      seen += chunk.toString();
      const m = /"msg":"listening"[^\n]*?"url":"(http:\/\/[^"]+)"|"url":"(http:\/\/[^"]+)"[^\n]*?"msg":"listening"/.exec(seen);
      if (m) done({ url: m[1] ?? m[2], child });
    });
    child.once("exit", (code) => fail(new Error(`the backend exited (code ${code}) before listening; see .tenancy/backend.log`)));
  }).finally(() => closeSync(log)) as Promise<{ url: string; child: ChildProcess }>;
}

/** How many people the stack's Memberships invite (no account yet: they join once they accept). */
function invitedLine(state: { deployment?: { resources?: { type?: string; outputs?: Record<string, unknown> }[] } }): string {
  const memberships = (state.deployment?.resources ?? []).filter((r) => r.type?.endsWith(":Membership"));
  const invited = new Set(memberships.filter((r) => r.outputs?.status === "invited").map((r) => String(r.outputs?.email)));
  if (invited.size === 0) return "Invited: nobody; everyone in the layout has an account.";
  const who = invited.size === 1 ? "1 person is" : `${invited.size} people are`;
  return `Invited: ${who} invited (${[...invited].sort().join(", ")}): without an account yet, they join once they sign in (tenancy login) and accept.`;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", () => done());
    child.kill("SIGTERM");
  });
}

/**
 * The stack to deploy: `dev` (tenancy.yaml), or `--stack NAME` for another stack of the root
 * program, configured by its own Pulumi.NAME.yaml (e.g. `tenancy:layout: other.yaml`).
 */
function stackFromArgs(args: string[], root = ROOT): string {
  const usage = `npm start takes no option but --stack NAME (${knownStacks(root).join(", ")})`;
  let stack = DEFAULT_STACK;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag !== "--stack") throw new Error(`unknown option ${args[i]}: ${usage}`);
    const value = inline ?? args[++i];
    if (!value || value.startsWith("-")) throw new Error(`--stack needs a stack name: ${usage}`);
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(value)) throw new Error(`--stack ${value}: a stack name has only letters, digits, '_', '.' and '-'`);
    stack = value;
  }
  if (stack !== DEFAULT_STACK && !existsSync(join(root, `Pulumi.${stack}.yaml`))) {
    throw new Error(`--stack ${stack}: there is no Pulumi.${stack}.yaml beside Pulumi.yaml; the root program's stacks are ${knownStacks(root).join(", ")}`);
  }
  return stack;
}

/** `dev` and every stack with a Pulumi.<stack>.yaml at the root. */
function knownStacks(root: string): string[] {
  const configured = readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
  return [...new Set([DEFAULT_STACK, ...configured])];
}

async function main(): Promise<void> {
  const STACK = stackFromArgs(process.argv.slice(2));
  mkdirSync(join(HOME, "state"), { recursive: true, mode: 0o700 });
  mkdirSync(join(HOME, "pulumi-home"), { recursive: true });
  const token = kept("bootstrap-token", () => `bootstrap-${randomBytes(32).toString("hex")}`);
  kept("passphrase", () => randomBytes(24).toString("base64"));

  process.stderr.write("tenancy: provisioning the Pulumi engine (built once, then cached)…\n");
  const bin = execFileSync("bash", [join(ROOT, "scripts", "engine.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  const owners = keyOwnersOf(layoutFileOf(ROOT, STACK));
  const { url, child } = await startBackend(token);
  process.stderr.write(`tenancy: backend on ${url} (store .tenancy/tenancy.db, log .tenancy/backend.log)\n`);
  try {
    // After the backend started: on an empty store it first makes the deployer with the bootstrap token.
    await ensureAccounts(DATABASE_URL, owners);
    process.stderr.write(
      `tenancy: made accounts on this host for the layout's key owners (${owners.join(", ") || "none"}), as npm run token does: ` +
        "a key is owned only by a member, and a person without an account is invited rather than added\n",
    );
    // Endpoint and token travel in the environment, not the stack config: the port changes per
    // run, and config changes would show up as changes of the provider.
    const envVars = {
      PATH: [bin, join(ROOT, "node_modules", "@pulumi", "pulumi"), process.env.PATH].join(":"),
      PULUMI_HOME: join(HOME, "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${join(HOME, "state")}`,
      PULUMI_CONFIG_PASSPHRASE_FILE: join(HOME, "passphrase"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      TENANCY_ENDPOINT: url,
      TENANCY_TOKEN: token,
    };
    const pulumiCommand = await PulumiCommand.get({ root: dirname(bin) });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: ROOT }, { pulumiCommand, envVars });
    const started = Date.now();
    const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    const changes = Object.entries(up.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
    process.stdout.write(`\nThe tenancy layout (stack ${STACK}, ${((Date.now() - started) / 1000).toFixed(1)} s):\n\n${up.outputs.layout?.value ?? ""}\n\n`);
    process.stdout.write(changes.length === 0 ? "No changes: the backend already matches the layout.\n" : `Changes: ${changes.map(([op, n]) => `${n} ${op}`).join(", ")}.\n`);
    process.stdout.write(`${invitedLine(await stack.exportStack())}\n`);
    process.stdout.write(`Key secrets: npm run -s pulumi -- stack output apiKeys --show-secrets --stack ${STACK}\n`);
  } finally {
    await stop(child);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tenancy: ${message}\n`);
    const STACK = /--stack[= ](\S+)/.exec(process.argv.slice(2).join(" "))?.[1] ?? DEFAULT_STACK;
    if (/currently locked/.test(message)) {
      process.stderr.write(
        `tenancy: an earlier run was interrupted and left the stack locked; if no other run is going on, release it with\n` +
          `  npm run pulumi -- cancel --yes --stack ${STACK}\nand run npm start again: it completes what the interrupted run began.\n`,
      );
    }
    process.exit(1);
  },
);
