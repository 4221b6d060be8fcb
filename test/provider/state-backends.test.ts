import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { Backend, ROOT, startBackend } from "../support/backend";
import { accounts, api, workDir } from "./support";

/**
 * `npm run pulumi` with the state where teams keep it: the root program deployed, refreshed and
 * destroyed through scripts/pulumi.sh with PULUMI_BACKEND_URL=postgres://… (a fresh database on
 * the server TEST_DATABASE_URL names), and two deploys of one stack at once: the second refused
 * by the backend's lock, the first completing, the state whole.
 */
const LAYOUT = `organization: { name: Statebox }
members:
  - { email: ana@statebox.test, role: admin }
  - { email: ben@statebox.test, role: member }
projects:
  - name: chat
    environment: development
    owner: ben@statebox.test
    members:
      - { email: ben@statebox.test, role: owner }
    keys:
      - { name: ci, owner: ben@statebox.test, expiresInDays: 30 }
`;

describe("npm run pulumi with a state backend it cannot open", () => {
  it("refuses with the engine's reason, the URL's password blanked", () => {
    const dir = workDir();
    try {
      const env = { ...process.env, PULUMI_BACKEND_URL: "postgres://ana:s3cret-pw@127.0.0.1:1/state", PULUMI_HOME: join(dir, "home"), INIT_CWD: dir };
      const r = spawnSync("bash", [join(ROOT, "scripts", "pulumi.sh"), "stack", "ls"], { cwd: dir, env, encoding: "utf8" });
      assert.deepEqual([r.status, r.stdout, r.stderr], [
        2,
        "",
        "tenancy pulumi: the state backend PULUMI_BACKEND_URL=postgres://ana:***@127.0.0.1:1/state cannot be used: " +
          "unable to open bucket postgres://ana:***@127.0.0.1:1/state: failed to ping PostgreSQL: dial tcp 127.0.0.1:1: connect: connection refused\n",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("npm run pulumi after pulumi login", () => {
  it("keeps the state where the login says, not in the default folder", () => {
    const dir = workDir();
    try {
      writeFileSync(join(dir, "Pulumi.yaml"), "name: tenancy-login-test\nruntime: nodejs\n");
      const { PULUMI_BACKEND_URL: _, ...inherited } = process.env;
      const env = { ...inherited, PULUMI_HOME: join(dir, "home"), PULUMI_CONFIG_PASSPHRASE: "tenancy-tests-only", INIT_CWD: dir };
      const run = (...command: string[]) => spawnSync("bash", [join(ROOT, "scripts", "pulumi.sh"), ...command, "--non-interactive"], { cwd: dir, env, encoding: "utf8" });
      const state = join(dir, "team-state");
      mkdirSync(state);
      for (const command of [["login", `file://${state}`], ["stack", "init", "test"]]) {
        const r = run(...command);
        assert.equal(r.status, 0, r.stderr);
      }
      assert.ok(existsSync(join(state, ".pulumi", "stacks", "tenancy-login-test", "test.json")), "the stack is in the folder logged in to");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("npm run pulumi with the state in PostgreSQL", function () {
  this.timeout(10 * 60 * 1000);
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    it("was NOT tested: TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL and sets it)");
    return;
  }

  const database = `tenancy_state_${randomBytes(4).toString("hex")}`;
  const stateUrl = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString();
  let backend: Backend;
  let dir: string;
  let env: Record<string, string>;

  const admin = <T>(work: (db: Client) => Promise<T>) => connected(serverUrl, work);
  const args = (command: string[]) => [join(ROOT, "scripts", "pulumi.sh"), ...command, "--stack", "test", "--non-interactive"];
  const pulumi = (...command: string[]) => spawnSync("bash", args(command), { cwd: dir, env, encoding: "utf8" });
  const ok = (...command: string[]) => {
    const r = pulumi(...command);
    assert.equal(r.status, 0, `pulumi ${command.join(" ")}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const organizations = async () => (await api(backend.url, backend.token).organizations.list({})).data.map((o) => o.name);
  const stateKeys = async () => (await connected(stateUrl, (db) => db.query<{ key: string }>("select key from pulumi_state"))).rows.map((r) => r.key);

  before(async () => {
    await admin((db) => db.query(`create database ${database}`));
    backend = await startBackend();
    await accounts(backend, ["ana@statebox.test", "ben@statebox.test"]);
    dir = workDir();
    writeFileSync(join(dir, "Pulumi.yaml"), "name: tenancy-state-test\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(join(dir, "index.js"), `module.exports = require(${JSON.stringify(join(ROOT, "dist", "program", "index.js"))});\n`);
    writeFileSync(join(dir, "tenancy.yaml"), LAYOUT);
    env = {
      ...(process.env as Record<string, string>),
      PULUMI_BACKEND_URL: stateUrl,
      PULUMI_HOME: join(dir, "home"),
      PULUMI_CONFIG_PASSPHRASE: "tenancy-tests-only",
      TENANCY_ENDPOINT: backend.url,
      TENANCY_TOKEN: backend.token,
      // scripts/pulumi.sh runs the engine where npm was started (INIT_CWD), else where it is called.
      INIT_CWD: dir,
    };
    const init = spawnSync("bash", [join(ROOT, "scripts", "pulumi.sh"), "stack", "init", "test", "--non-interactive"], { cwd: dir, env, encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
  });
  after(async () => {
    pulumi("destroy", "--yes");
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await admin((db) => db.query(`drop database if exists ${database} with (force)`));
  });

  it("deploys, refreshes and destroys the root program with its state in PostgreSQL", async () => {
    ok("up", "--yes", "--skip-preview");
    assert.deepEqual(await organizations(), ["Statebox"]);
    assert.ok((await stateKeys()).some((k) => k.endsWith("/.pulumi/stacks/tenancy-state-test/test.json")), "the checkpoint is in the database");
    ok("refresh", "--yes", "--skip-preview");
    ok("preview", "--expect-no-changes");
    ok("destroy", "--yes", "--skip-preview");
    assert.deepEqual(await organizations(), []);
  });

  it("refuses a second deploy of the stack while the first holds the lock, and the state stays whole", async () => {
    const first = spawn("bash", args(["up", "--yes", "--skip-preview"]), { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const firstDone = exited(first);
    try {
      // Once the first run holds the lock, pause it (engine, language host, provider host) so
      // the second starts while it is held, however fast the first would otherwise finish.
      await until(async () => (await stateKeys()).some((k) => k.includes("/.pulumi/locks/")) || first.exitCode !== null);
      assert.equal(first.exitCode, null, "the first up ended before it was seen holding the lock");
      process.kill(-first.pid!, "SIGSTOP");
      const second = pulumi("up", "--yes", "--skip-preview");
      process.kill(-first.pid!, "SIGCONT");
      assert.notEqual(second.status, 0);
      assert.match(second.stderr, /the stack is currently locked by 1 lock\(s\)/);
      assert.doesNotMatch(second.stderr + second.stdout, new RegExp(`:${new URL(serverUrl).password}@`), "no password in the engine's words");
    } finally {
      if (first.exitCode === null) process.kill(-first.pid!, "SIGCONT");
    }
    const { code, output } = await firstDone;
    assert.equal(code, 0, output);
    assert.ok(!(await stateKeys()).some((k) => k.includes("/.pulumi/locks/")), "the lock is released");
    const state = JSON.parse(ok("stack", "export"));
    assert.deepEqual(
      state.deployment.resources.filter((r: { type: string }) => r.type.startsWith("pulumi-nodejs:dynamic/tenancy:")).map((r: { urn: string }) => r.urn.split("::").pop()).sort(),
      ["Statebox", "chat", "chat:key:ci", "chat:member:ben@statebox.test", "member:ana@statebox.test", "member:ben@statebox.test"],
    );
    ok("preview", "--expect-no-changes");
  });
});

async function connected<T>(connectionString: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return new Promise((done) => child.once("exit", (code) => done({ code, output })));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 50));
}
