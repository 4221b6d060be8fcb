import assert from "node:assert/strict";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Backend, ROOT, startBackend } from "../support/backend";
import { api, failure, TestStack, testStack, workDir } from "./support";

/**
 * The root program, with the real engine, refuses what the apply would: a layout
 * breaking a rule the organization declares fails with line and field before anything exists,
 * and a layout path that is a link is refused with a sentence, not followed.
 */
describe("the tenancy.yaml program, before anything changes", function () {
  this.timeout(10 * 60 * 1000);

  let backend: Backend;
  let t: TestStack;
  const layoutFile = () => join(t.dir, "tenancy.yaml");

  before(async () => {
    backend = await startBackend();
    const dir = workDir();
    writeFileSync(join(dir, "Pulumi.yaml"), "name: tenancy-test\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(join(dir, "index.js"), `module.exports = require(${JSON.stringify(join(ROOT, "dist", "program", "index.js"))});\n`);
    t = await testStack({ endpoint: backend.url, token: backend.token }, dir);
  });
  after(async () => {
    await t?.dispose();
    await backend?.dispose();
  });

  it("fails on a member outside allowedEmailDomains and a key over apiKeyMaxLifetimeDays, naming each, and creates nothing", async () => {
    writeFileSync(
      layoutFile(),
      [
        "organization: { name: Acme, settings: { allowedEmailDomains: [acme.test], apiKeyMaxLifetimeDays: 90 } }",
        "members:",
        "  - { email: ana@acme.test, role: admin }",
        "  - { email: eve@gmail.test, role: member }",
        "projects:",
        "  - name: chat",
        "    environment: development",
        "    members: [{ email: ana@acme.test, role: owner }]",
        "    keys: [{ name: ci, owner: ana@acme.test, expiresInDays: 365 }]",
        "",
      ].join("\n"),
    );
    const message = await failure(t.stack.up());
    assert.match(message, /tenancy\.yaml is not a valid tenancy layout:/);
    assert.match(message, /tenancy\.yaml:4:7: members\[1\]\.email: must be an address at acme\.test \(settings\.allowedEmailDomains\)/);
    assert.match(message, /tenancy\.yaml:9:46: projects\[0\]\.keys\[0\]\.expiresInDays: must be at most 90 days \(settings\.apiKeyMaxLifetimeDays\)/);
    assert.deepEqual((await api(backend.url, backend.token).organizations.list({})).data, []);
  });

  it("refuses a tenancy.yaml that is a link to /dev/zero with a sentence, at once", async () => {
    rmSync(layoutFile(), { force: true });
    symlinkSync("/dev/zero", layoutFile());
    const message = await failure(t.stack.preview());
    assert.match(message, /tenancy\.yaml is a symbolic link; a tenancy layout is read only from a regular file, named by its own path/);
  });
});
