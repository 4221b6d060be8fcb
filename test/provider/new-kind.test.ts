import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import type { ApiKey, Membership, Organization, Project, ServiceAccount } from "../../provider";
import { TenancyClient } from "../../provider/client";
import { Backend, ROOT, startBackend } from "../support/backend";
import { api, TestStack, testStack } from "./support";

/**
 * Each class's outputs are its state's fields, the shell's too (tsconfig.check.json refuses this
 * file otherwise): a ServiceAccount lacked `deployedBy` while classes declared them by hand.
 */
export const shellOutputs = (r: Organization | Project | Membership | ApiKey | ServiceAccount): pulumi.Output<string | undefined>[] => [r.deployedBy, r.claimedAt];

/**
 * Adding a resource kind is one file and one line of provider/resources.ts: a copy of the package
 * gets a throwaway kind (test/fixtures/new-kind/note.ts) exactly that way, nothing else of it
 * edited, is compiled, and the real engine creates, updates, refreshes and destroys the new kind
 * through the copy's own stub and runtime.
 */
describe("a new resource kind: one file and one line of resources.ts", function () {
  this.timeout(15 * 60 * 1000);

  let copy: string;
  let backend: Backend;
  let client: TenancyClient;
  let t: TestStack;
  let text = "first text";

  /** The copy's exports, as its program sees them: the new class among the others. */
  interface Package {
    Organization: new (name: string, args: { name: string }) => pulumi.CustomResource;
    Note: new (name: string, args: { organizationId: pulumi.Input<string>; title: string; text: string }) => pulumi.CustomResource & Record<string, pulumi.Output<unknown>>;
  }

  before(async () => {
    copy = join(ROOT, ".tenancy", "new-kind", randomBytes(5).toString("hex"));
    mkdirSync(copy, { recursive: true });
    for (const dir of ["provider", "schema"]) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
    copyFileSync(join(ROOT, "package.json"), join(copy, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
    writeFileSync(join(copy, "tsconfig.json"), JSON.stringify({ extends: join(ROOT, "tsconfig.json"), compilerOptions: { outDir: "dist", rootDir: ".", sourceMap: false }, include: ["provider", "schema"] }));
    // The new kind: its file, and its line in the table. Nothing else changes.
    copyFileSync(join(ROOT, "test", "fixtures", "new-kind", "note.ts"), join(copy, "provider", "note.ts"));
    appendFileSync(join(copy, "provider", "resources.ts"), `export { Note, type NoteArgs } from "./note";\n`);
    await promisify(execFile)(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(copy, "tsconfig.json")]);

    backend = await startBackend();
    client = api(backend.url, backend.token);
    const orgName = `Notes ${randomBytes(3).toString("hex")}`;
    const program = async () => {
      const tenancy = require(join(copy, "dist", "provider", "index.js")) as Package;
      const org = new tenancy.Organization("notes", { name: orgName });
      const note = new tenancy.Note("hello", { organizationId: org.id, title: "hello", text });
      return { orgId: org.id, noteId: note.id, text: note.text, deployedBy: note.deployedBy };
    };
    const dir = join(copy, "stack");
    mkdirSync(dir);
    // The stack's folder is inside the copy: the provider host finds the copy's runtime, not this checkout's.
    t = await testStack({ endpoint: backend.url, token: backend.token, program, projectName: "tenancy-new-kind" }, dir);
  });
  after(async () => {
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
    await backend?.dispose();
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  const outputs = async () => Object.fromEntries(Object.entries(await t.stack.outputs()).map(([k, v]) => [k, v.value as string]));
  const noteState = async () => {
    const state = await t.stack.exportStack();
    const note = ((state.deployment.resources ?? []) as { type: string; outputs: Record<string, unknown> }[]).find((r) => r.type === "pulumi-nodejs:dynamic/tenancy:Note");
    return note?.outputs;
  };

  it("creates it through the engine, with the shell's outputs (deployedBy) and its own", async () => {
    const up = await t.stack.up();
    assert.equal(up.summary.resourceChanges?.create, 3, JSON.stringify(up.summary.resourceChanges));
    const { orgId, noteId, deployedBy } = await outputs();
    assert.match(noteId, /^proj_/);
    assert.equal((await client.projects.get(orgId, noteId)).description, "first text");
    assert.equal(deployedBy, (await client.me()).user.id);
    assert.equal((await noteState())?.title, "hello");
  });

  it("updates it in place", async () => {
    const before = await outputs();
    text = "second text";
    const up = await t.stack.up();
    assert.equal(up.summary.resourceChanges?.update, 1, JSON.stringify(up.summary.resourceChanges));
    const after = await outputs();
    assert.equal(after.noteId, before.noteId);
    assert.equal((await client.projects.get(after.orgId, after.noteId)).description, "second text");
  });

  it("refresh reads a change made out of band", async () => {
    const { orgId, noteId } = await outputs();
    await client.projects.update(orgId, noteId, { description: "edited elsewhere" });
    await t.stack.refresh();
    assert.equal((await noteState())?.text, "edited elsewhere");
  });

  it("destroys it", async () => {
    const { orgId, noteId } = await outputs();
    const destroy = await t.stack.destroy();
    assert.equal(destroy.summary.resourceChanges?.delete, 3, JSON.stringify(destroy.summary.resourceChanges));
    // An organization is deleted only once it has no active project: the note's was archived first.
    await assert.rejects(client.organizations.get(orgId), /not found/);
    await assert.rejects(client.projects.getById(noteId), /not found/);
    assert.equal(await noteState(), undefined);
  });
});
