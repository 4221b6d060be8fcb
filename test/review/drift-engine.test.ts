import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TenancyClient } from "../../provider/client";
import { ROOT } from "../support/backend";
import { assertGolden, forEachDialect, opsConsole, useDeployedLayout } from "./support";

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
  const d = useDeployedLayout(dialect, "tenancy-drift-test", LAYOUT, ["ana@acme.test", "ben@acme.test", "cleo@acme.test"]);
  const cli = join(ROOT, "dist", "provider", "cli", "index.js");
  const review = (...args: string[]) => spawnSync(process.execPath, [cli, "review", "--stack", "test", "--cwd", d.t.dir, ...args], { encoding: "utf8", env: { ...process.env, ...d.t.env } });

  before(async () => {
    // By hand, outside the stack, as another admin than the one who deploys: ben becomes an organization admin.
    const root = new TenancyClient({ endpoint: d.backend.url, token: d.backend.token });
    const [org] = (await root.organizations.list({})).data;
    const ops = await opsConsole(d.backend, org.id);
    const ben = (await root.members.list({ organizationId: org.id }, {})).data.find((m) => m.email === "ben@acme.test")!;
    await ops.client.members.setRole({ organizationId: org.id }, ben.userId, "admin");
    // The pull request's own change: cleo joins.
    writeFileSync(join(d.t.dir, "tenancy.yaml"), LAYOUT.replace("  - { email: ben@acme.test, role: member }\n", "  - { email: ben@acme.test, role: member }\n  - { email: cleo@acme.test, role: member }\n"));
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
