import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TenancyClient } from "../../provider/client";
import { Backend, ROOT, startBackend } from "../support/backend";
import { post, TestStack } from "../provider/support";
import { assertGolden, deployedLayout, forEachDialect } from "./support";

/**
 * Out-of-band changes on a real stack: deployed, then an admin promotes a member by hand through
 * the API. The review refreshes by default and shows the promotion apart from the pull request's
 * own change, with who made it and when from the audit log; `--no-refresh` does not see it.
 */

const LAYOUT = `organization:
  name: Acme
members:
  - { email: ana@acme.test, role: admin }
  - { email: ben@acme.test, role: member }
projects:
  - name: chat-dev
    environment: development
    members:
      - { email: ben@acme.test, role: owner }
`;

forEachDialect("tenancy review shows out-of-band changes apart, with who made them", function (dialect) {
  this.timeout(10 * 60 * 1000);
  let backend: Backend;
  let t: TestStack;
  const cli = join(ROOT, "dist", "provider", "cli", "index.js");
  const review = (...args: string[]) => spawnSync(process.execPath, [cli, "review", "--stack", "test", "--cwd", t.dir, ...args], { encoding: "utf8", env: { ...process.env, ...t.env } });

  before(async () => {
    backend = await startBackend({ dialect });
    t = await deployedLayout(backend, "tenancy-drift-test", LAYOUT);
    // By hand, outside the stack, as another admin than the one who deploys: ben becomes an organization admin.
    const root = new TenancyClient({ endpoint: backend.url, token: backend.token });
    const [org] = (await root.organizations.list({})).data;
    const ops = await post(backend, `/v1/organizations/${org.id}/service-accounts`, { name: "ops console", role: "admin" });
    const { token } = await post(backend, `/v1/organizations/${org.id}/service-accounts/${ops.userId}/tokens`, { name: "by hand" });
    const ben = (await root.members.list({ organizationId: org.id }, {})).data.find((m) => m.email === "ben@acme.test")!;
    await new TenancyClient({ endpoint: backend.url, token }).members.setRole({ organizationId: org.id }, ben.userId, "admin");
    // The pull request's own change: cleo joins.
    writeFileSync(join(t.dir, "tenancy.yaml"), LAYOUT.replace("  - { email: ben@acme.test, role: member }\n", "  - { email: ben@acme.test, role: member }\n  - { email: cleo@acme.test, role: member }\n"));
  });

  after(async () => {
    if (t) {
      await t.stack.destroy().catch(() => undefined);
      await t.dispose();
    }
    await backend?.dispose();
  });

  it("shows the promotion by hand under out-of-band changes, with the admin who made it and when", () => {
    const r = review();
    assert.equal(r.status, 0, r.stderr);
    assertGolden("engine-drift", r.stdout);
  });

  it("does not see it with --no-refresh, and says so", () => {
    const r = review("--no-refresh");
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Out-of-band/);
    assert.match(r.stdout, /_Made without refresh \(`--no-refresh`\): changes made in the backend outside this stack are not shown\._/);
  });
});
