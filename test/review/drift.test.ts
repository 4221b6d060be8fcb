import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { TenancyClient } from "../../provider/client";
import { Backend, ROOT, startBackend } from "../support/backend";
import { accounts, api, rootProgramDir, TestStack, testStack } from "../provider/support";
import { forEachDialect } from "./support";

/**
 * `tenancy drift` (issue 19 item 3) on the root program deploying a tenancy.yaml with
 * `exclusiveAccess: true`, with the real engine and backend: no drift after the first up, access
 * granted by hand reported (exit 1, text and JSON), none again once `up` has removed it (exit 0).
 */

const LAYOUT = `organization:
  name: Acme
  exclusiveAccess: true
members:
  - { email: ana@acme.test, role: member }
projects:
  - name: chat
    environment: development
    members:
      - { email: ana@acme.test, role: owner }
    keys:
      - { name: backend, owner: ana@acme.test, expiresInDays: 90 }
`;

forEachDialect("tenancy drift", function (dialect) {
  this.timeout(10 * 60 * 1000);
  let backend: Backend;
  let root: TenancyClient;
  let t: TestStack;
  const cli = join(ROOT, "dist", "provider", "cli", "index.js");
  const drift = (...args: string[]) => spawnSync(process.execPath, [cli, "drift", ...args], { encoding: "utf8", env: { ...process.env, ...t.env } });

  before(async () => {
    backend = await startBackend({ dialect });
    await accounts(backend, ["ana@acme.test", "eve@acme.test"]);
    root = api(backend.url, backend.token);
    t = await testStack({ endpoint: backend.url, token: backend.token }, rootProgramDir("tenancy-drift-test", LAYOUT));
    await t.stack.up();
  });

  after(async () => {
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
    await backend?.dispose();
  });

  it("exits 1 on access granted by hand, lists it in text and JSON, and exits 0 once up has removed it", async () => {
    const clean = drift("--stack", "test", "--cwd", t.dir);
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(clean.stdout, /^no undeclared access in stack test\n/);
    // The deployer is undeclared in the layout, and kept: said, but no drift.
    assert.match(clean.stdout, /\n  kept root@tenancy\.test \(admin of organization org_\w+\): it is the deployer's own\n/);

    const [org] = (await root.organizations.list({ name: "Acme" })).data;
    const [project] = (await root.projects.list(org.id, { name: "chat" })).data;
    const eve = await root.members.add({ organizationId: org.id }, { email: "eve@acme.test", role: "admin" });
    const key = await root.apiKeys.create(org.id, project.id, { name: "by-hand", owner: "ana@acme.test" });
    const me = await root.myUserId();

    const text = drift("--stack", "test", "--cwd", t.dir);
    assert.equal(text.status, 1, text.stderr);
    assert.equal(
      text.stdout,
      [
        "undeclared access in stack test:",
        `organization "Acme" (${org.id}):`,
        `  - eve@acme.test (admin of organization ${org.id})`,
        `  kept root@tenancy.test (admin of organization ${org.id}): it is the deployer's own`,
        `project "chat" (${project.id}):`,
        `  - key by-hand (${key.redactedValue}, all) of project ${project.id}`,
        "",
      ].join("\n"),
    );

    const json = drift("--json", "--stack", "test", "--cwd", t.dir);
    assert.equal(json.status, 1, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      version: 2,
      stack: "test",
      drift: true,
      // Refresh records the undeclared access in the organization's and project's outputs: listed below, not as field changes.
      changes: [],
      scopes: [
        {
          scope: "organization",
          organizationId: org.id,
          name: "Acme",
          undeclared: [{ kind: "member", id: eve.userId, who: "eve@acme.test", role: "admin", organizationId: org.id }],
          kept: [{ kind: "member", id: me, who: "root@tenancy.test", role: "admin", organizationId: org.id, why: "it is the deployer's own" }],
        },
        {
          scope: "project",
          organizationId: org.id,
          projectId: project.id,
          name: "chat",
          undeclared: [{ kind: "apiKey", id: key.id, who: "by-hand", role: "all", organizationId: org.id, projectId: project.id, redactedValue: key.redactedValue }],
          kept: [],
        },
      ],
    });
    assert.ok(!json.stdout.includes(backend.token) && !json.stdout.includes(key.secret!), "no credential in the report");

    // The pull-request review lists the same undeclared access, apart from what the pull request changes.
    const review = spawnSync(process.execPath, [cli, "review", "--stack", "test", "--cwd", t.dir], { encoding: "utf8", env: { ...process.env, ...t.env } });
    assert.equal(review.status, 0, review.stderr);
    const section = review.stdout.split("### Undeclared access")[1]?.split("\n### ")[0];
    assert.ok(section, `the review has an undeclared-access section:\n${review.stdout}`);
    assert.match(section, /^\n\n2 grants in this stack's organizations and projects that no resource of the stack declares/);
    // The cells as a reader sees them: without the Markdown escapes (backslashes, the word joiner after @).
    const plain = section.replace(/\\(?=[^|])/g, "").replace(/\u2060/g, "");
    assert.ok(plain.includes(`| eve@acme.test (admin of organization ${org.id}) | organization Acme |`), plain);
    assert.ok(plain.includes(`| key by-hand (${key.redactedValue}, all) of project ${project.id} | project chat |`), plain);
    assert.ok(!section.includes("root@tenancy"), "the deployer, kept, is not listed as undeclared");

    await t.stack.up({ refresh: true });
    const after = drift("--json", "--stack", "test", "--cwd", t.dir);
    assert.equal(after.status, 0, after.stderr);
    assert.equal(JSON.parse(after.stdout).drift, false);
  });

  it("names a wrong argument and a missing stack as usage errors (exit 2)", () => {
    for (const [args, message] of [
      [["--json=yes"], /^tenancy: --json takes no value\n/],
      [["--stack", "nope", "--cwd", t.dir], /^tenancy: --stack: there is no stack nope in /],
      [["--fail-on", "warning"], /^tenancy: unknown option --fail-on; valid options are --stack, --cwd, --json\n/],
    ] as const) {
      const r = drift(...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
