import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { UpResult } from "@pulumi/pulumi/automation";
import { TenancyClient } from "../../provider/client";
import { Backend, ROOT, startBackend } from "../support/backend";
import { accounts, api, failure, TestStack, testStack, workDir } from "./support";

/**
 * The root program (dist/program/index.js, what Pulumi.yaml at the root runs) deploying a
 * tenancy.yaml from a folder of its own: line-numbered errors, and an `up` killed mid-run that
 * the next `up` completes without duplicates.
 */
describe("the tenancy.yaml program", function () {
  this.timeout(10 * 60 * 1000);

  let backend: Backend;
  let client: TenancyClient;
  let t: TestStack;
  const layoutFile = () => join(t.dir, "tenancy.yaml");

  before(async () => {
    backend = await startBackend();
    await accounts(backend, ["ana@umbrella.test"]);
    client = api(backend.url, backend.token);
    const dir = workDir();
    writeFileSync(join(dir, "Pulumi.yaml"), "name: tenancy-test\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(join(dir, "index.js"), `module.exports = require(${JSON.stringify(join(ROOT, "dist", "program", "index.js"))});\n`);
    t = await testStack({ endpoint: backend.url, token: backend.token }, dir);
  });
  after(async () => {
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
    await backend?.dispose();
  });

  it("fails a preview of an invalid tenancy.yaml with the line and field of each problem", async () => {
    const seed = readFileSync(join(ROOT, "tenancy.yaml"), "utf8");
    writeFileSync(layoutFile(), seed.replace("environment: staging", "environment: stage").replace("role: billing", "role: accountant"));
    const message = await failure(t.stack.preview());
    assert.match(message, /tenancy\.yaml is not a valid tenancy layout:/);
    assert.match(message, /tenancy\.yaml:\d+:5: members\[4\]\.role: invalid option: expected one of "admin"\|"billing"\|"member"/);
    assert.match(message, /tenancy\.yaml:\d+:5: projects\[1\]\.environment: invalid option/);
  });

  it("completes an up killed mid-run on the next up, with no duplicate objects", async () => {
    writeFileSync(layoutFile(), bigLayout());
    // One step at a time, so the kill reliably lands between the first key and the last,
    // however loaded the machine is.
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", "test", "--non-interactive", "--parallel", "1"], {
      cwd: t.dir,
      env: { ...process.env, ...t.env },
      detached: true,
      stdio: "ignore",
    });
    const exited = new Promise((done) => child.once("exit", done));
    // Kill the engine, its language host and provider host as soon as the first keys exist.
    for (let i = 0; i < 600 && child.exitCode === null; i++) {
      const created = (await auditActions(backend)).filter((a) => a === "api_key.created").length;
      if (created > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    const before = await keysByProject(client);
    const total = Object.values(before).flat().length;
    assert.ok(total > 0 && total < 12, `expected the kill mid-run, found ${total} keys`);

    // A killed run may leave the stack locked (`pulumi cancel` releases it) or, killed while
    // saving, an empty checkpoint attributes file: both the engine's own, recovered as a person
    // would. The engine then warns about the creates it lost track of; the provider finds them
    // by externalId.
    // Both may be left at once (killed while saving, holding the lock): one repair per attempt.
    const recovered = (attempt: number): Promise<UpResult> =>
      t.stack.up().catch(async (err) => {
        if (attempt >= 2) throw err;
        if (/locked/.test(String(err))) await t.stack.cancel();
        else if (/failed to load checkpoint: EOF/.test(String(err))) repairCheckpoint(t);
        else throw err;
        return recovered(attempt + 1);
      });
    const up = await recovered(0);
    console.log(`      killed with ${total} keys made; the next up: ${JSON.stringify(up.summary.resourceChanges)}; ${[...new Set(up.stdout.match(/warning: [^\n]*/g) ?? [])].join(" / ")}`);
    assert.ok(up.outputs.layout.value.includes("team-3"));
    const after = await keysByProject(client);
    assert.deepEqual(Object.keys(after).sort(), ["team-1", "team-2", "team-3"]);
    for (const keys of Object.values(after)) assert.deepEqual(keys.sort(), ["k1", "k2", "k3", "k4"]);
    const orgs = (await client.organizations.list({})).data;
    assert.deepEqual(orgs.map((o) => o.name), ["Umbrella"]);
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 1 + 1 + 1 + 3 + 3 + 12 });
  });

  it("renames the organization, a project and a key in place when their entries say renamedFrom", async () => {
    const ids = async () => {
      const [org] = (await client.organizations.list({})).data;
      const projects = (await client.projects.list(org.id, {})).data.filter((p) => p.status === "active");
      const keys = await Promise.all(projects.map(async (p) => (await client.apiKeys.list(org.id, p.id, {})).data.filter((k) => k.status === "active")));
      return { org, projects, keys: keys.flat() };
    };
    const before = await ids();
    const renamed = bigLayout()
      .replace("organization: { name: Umbrella }", "organization: { name: Umbrella Corp, renamedFrom: Umbrella }")
      .replace("  - name: team-2\n", "  - name: team-two\n    renamedFrom: team-2\n")
      .replace("      - { name: k1, owner: ana@umbrella.test }\n      - { name: k2, owner: ana@umbrella.test }\n      - { name: k3, owner: ana@umbrella.test }\n      - { name: k4, owner: ana@umbrella.test }\n  - name: team-3", "      - { name: k1, owner: ana@umbrella.test }\n      - { name: k2, owner: ana@umbrella.test }\n      - { name: k3, owner: ana@umbrella.test }\n      - { name: key-4, renamedFrom: k4, owner: ana@umbrella.test }\n  - name: team-3");
    assert.notEqual(renamed, bigLayout());
    writeFileSync(layoutFile(), renamed);
    // The organization, team-two and its key renamed; team-two's member and other keys only follow
    // their project's new name: nothing created, nothing deleted, no key revoked.
    const preview = await t.stack.preview();
    assert.deepEqual(preview.changeSummary, { same: 1 + 1 + 1 + 3 + 3 + 12 - 3, update: 3 });
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, preview.changeSummary);
    const after = await ids();
    assert.equal(after.org.id, before.org.id);
    assert.equal(after.org.name, "Umbrella Corp");
    assert.deepEqual(after.projects.map((p) => [p.id, p.name]).sort(), before.projects.map((p) => [p.id, p.name === "team-2" ? "team-two" : p.name]).sort());
    assert.deepEqual(after.keys.map((k) => k.id).sort(), before.keys.map((k) => k.id).sort());
    assert.ok(after.keys.some((k) => k.name === "key-4"));
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 1 + 1 + 1 + 3 + 3 + 12 });
  });
});

/** Drops an empty `test.json.attrs` (blob metadata), or restores an empty checkpoint from its .bak. */
function repairCheckpoint(t: TestStack): void {
  const file = join(t.dir, "state", ".pulumi", "stacks", "tenancy-test", "test.json");
  if (existsSync(`${file}.attrs`) && statSync(`${file}.attrs`).size === 0) rmSync(`${file}.attrs`);
  if (statSync(file).size === 0) copyFileSync(`${file}.bak`, file);
}

/** One organization, three projects with four keys each: enough creates to kill the run mid-way. */
function bigLayout(): string {
  const projects = [1, 2, 3].map((n) =>
    [
      `  - name: team-${n}`,
      "    environment: development",
      "    members: [{ email: ana@umbrella.test, role: owner }]",
      "    keys:",
      ...[1, 2, 3, 4].map((k) => `      - { name: k${k}, owner: ana@umbrella.test }`),
    ].join("\n"),
  );
  return ["organization: { name: Umbrella }", "members:", "  - { email: ana@umbrella.test, role: member }", "projects:", ...projects, ""].join("\n");
}

/** The names of the active keys of every active project, by project name. */
async function keysByProject(client: TenancyClient): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const org of (await client.organizations.list({})).data) {
    for (const p of (await client.projects.list(org.id, {})).data.filter((p) => p.status === "active")) {
      result[p.name] = (await client.apiKeys.list(org.id, p.id, {})).data.filter((k) => k.status === "active").map((k) => k.name);
    }
  }
  return result;
}

async function auditActions(backend: Backend): Promise<string[]> {
  const headers = { authorization: `Bearer ${backend.token}` };
  const orgs = (await (await fetch(`${backend.url}/v1/organizations`, { headers })).json()) as { data: { id: string }[] };
  const actions: string[] = [];
  for (const org of orgs.data) {
    const res = await fetch(`${backend.url}/v1/organizations/${org.id}/audit-events?limit=100`, { headers });
    actions.push(...((await res.json()) as { data: { action: string }[] }).data.map((e) => e.action));
  }
  return actions;
}
