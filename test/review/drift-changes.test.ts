import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { TenancyClient } from "../../provider/client";
import { ROOT } from "../support/backend";
import { assertGolden, forEachDialect, opsConsole, useDeployedLayout } from "./support";

/**
 * `tenancy drift` reports fields changed outside the stack (issue 19 item 3), not only undeclared
 * access: deployed, then an admin service account raises a project's rate limit through the API.
 * A refresh preview finds it; the report names the field, before → after, who and when (audit
 * log), apart from the undeclared access (that service account), in text and JSON, and exits 1.
 */

const LAYOUT = `organization:
  name: Acme
members:
  - { email: ana@acme.test, role: admin }
projects:
  - name: chat-dev
    environment: development
    limits: { requestsPerMinute: 100, tokensPerMinute: 20000 }
`;

forEachDialect("tenancy drift reports fields changed outside the stack, with who and when", function (dialect) {
  this.timeout(10 * 60 * 1000);
  const d = useDeployedLayout(dialect, "tenancy-drift-fields-test", LAYOUT, ["ana@acme.test"]);
  let project: { id: string };
  let ops: Awaited<ReturnType<typeof opsConsole>>;
  const cli = join(ROOT, "dist", "provider", "cli", "index.js");
  const drift = (...args: string[]) => spawnSync(process.execPath, [cli, "drift", "--stack", "test", "--cwd", d.t.dir, ...args], { encoding: "utf8", env: { ...process.env, ...d.t.env } });

  before(async () => {
    const root = new TenancyClient({ endpoint: d.backend.url, token: d.backend.token });
    const [org] = (await root.organizations.list({ name: "Acme" })).data;
    [project] = (await root.projects.list(org.id, { name: "chat-dev" })).data;
    ops = await opsConsole(d.backend, org.id);
    await ops.client.projects.update(org.id, project.id, { limits: { requestsPerMinute: 500 } });
  });

  it("prints the changed field apart from the undeclared access, and exits 1", () => {
    const r = drift();
    assert.equal(r.status, 1, r.stderr);
    assertGolden("engine-drift-command", r.stdout);
  });

  it("lists the change in --json (version 2) with the object, the field, who and when", () => {
    const r = drift("--json");
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(typeof report.changes[0]?.at, "string", r.stdout);
    assert.deepEqual(
      { ...report, changes: report.changes.map((c: { at: string }) => ({ ...c, at: "AT" })), scopes: report.scopes.map((s: { undeclared: unknown[]; name: string }) => [s.name, s.undeclared.length]) },
      {
        version: 2,
        stack: "test",
        drift: true,
        changes: [
          {
            urn: "urn:pulumi:test::tenancy-drift-fields-test::pulumi-nodejs:dynamic/tenancy:Project::chat-dev",
            object: `project chat-dev (${project.id})`,
            change: "limits.requestsPerMinute: 100 → 500",
            by: [ops.email],
            at: "AT",
          },
        ],
        scopes: [
          ["Acme", 1],
          ["chat-dev", 0],
        ],
      },
    );
  });
});
