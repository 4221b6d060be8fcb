import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Backend, ROOT, startBackend } from "../support/backend";
import { engineBin } from "../support/engine";
import { accounts, TestStack } from "../provider/support";
import { assertGolden, deployedLayout, forEachDialect } from "./support";

/**
 * `tenancy review` and the policy pack on one real stack (the root program deploying a
 * tenancy.yaml) with the real engine and backend: deployed once, then changed in the file, and
 * the change reviewed, then checked by the policy pack. Few engine runs: one up, three previews.
 */

const BASE = `organization:
  name: Acme
  settings: { apiKeyMaxLifetimeDays: 365 }
members:
  - { email: ana@acme.test, role: admin }
  - { email: ben@acme.test, role: member }
  - { email: cleo@acme.test, role: member }
projects:
  - name: chat-prod
    environment: production
    workload: chat
    owner: ben@acme.test
    keyOwner: ben@acme.test
    escalationContact: cleo@acme.test
    expectedMonthlySpendUsd: 5000
    limits: { requestsPerMinute: 3000, monthlyBudgetUsd: 7500 }
    members:
      - { email: ben@acme.test, role: owner }
      - { email: cleo@acme.test, role: viewer }
    keys:
      - { name: backend, owner: ben@acme.test, expiresInDays: 90, rotationTriggers: { quarter: 2026-Q4 } }
      - { name: analytics, owner: ben@acme.test, permissions: read_only, expiresInDays: 90 }
`;

/** Eve joins as admin, cleo's viewer role becomes member, the backend key rotates, analytics is revoked, MFA is required, and an experiments project goes to production. */
const CHANGED = BASE.replace("settings: { apiKeyMaxLifetimeDays: 365 }", "settings: { apiKeyMaxLifetimeDays: 180 }\n  securityPolicy: { session: { requireMfa: true } }")
  .replace("  - { email: cleo@acme.test, role: member }\n", "  - { email: cleo@acme.test, role: member }\n  - { email: eve@acme.test, role: admin }\n")
  .replace("{ email: cleo@acme.test, role: viewer }", "{ email: cleo@acme.test, role: member }")
  .replace("quarter: 2026-Q4", "quarter: 2027-Q1")
  .replace("      - { name: analytics, owner: ben@acme.test, permissions: read_only, expiresInDays: 90 }\n", "")
  .concat(`  - name: chat-experiments
    environment: production
    owner: ben@acme.test
    keyOwner: ben@acme.test
    escalationContact: cleo@acme.test
    expectedMonthlySpendUsd: 100
    members:
      - { email: ben@acme.test, role: owner }
`);

forEachDialect("tenancy review and the policy pack on a real preview", function (dialect) {
  this.timeout(10 * 60 * 1000);
  let backend: Backend;
  let t: TestStack;
  const cli = join(ROOT, "dist", "provider", "cli", "index.js");
  const pulumi = (...args: string[]) => spawnSync(join(engineBin(), "pulumi"), args, { cwd: t.dir, encoding: "utf8", env: { ...process.env, ...t.env } });

  before(async () => {
    backend = await startBackend({ dialect });
    await accounts(backend, ["ana@acme.test", "ben@acme.test", "cleo@acme.test", "eve@acme.test"]);
    t = await deployedLayout(backend, "tenancy-review-test", BASE);
    writeFileSync(join(t.dir, "tenancy.yaml"), CHANGED);
  });

  after(async () => {
    if (t) {
      writeFileSync(join(t.dir, "tenancy.yaml"), BASE);
      await t.stack.destroy().catch(() => undefined);
      await t.dispose();
    }
    await backend?.dispose();
  });

  it("previews the stack, prints every access change and the findings, and exits 1 on a mandatory finding", () => {
    const r = spawnSync(process.execPath, [cli, "review", "--stack", "test", "--cwd", t.dir], { encoding: "utf8", env: { ...process.env, ...t.env } });
    assert.equal(r.status, 1, r.stderr);
    assertGolden("engine-review", r.stdout);
    assert.ok(!r.stdout.includes(backend.token) && !/tpk_[A-Za-z0-9]{8}/.test(r.stdout));
  });

  it("names a stack that does not exist as a usage error", () => {
    const r = spawnSync(process.execPath, [cli, "review", "--stack", "nope", "--cwd", t.dir], { encoding: "utf8", env: { ...process.env, ...t.env } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^tenancy: --stack: nope cannot be selected in .*: .*nope/);
  });

  it("prints the launch readiness sheet of the stack", () => {
    const r = spawnSync(process.execPath, [cli, "launch-sheet", "--stack", "test", "--cwd", t.dir], { encoding: "utf8", env: { ...process.env, ...t.env } });
    assert.equal(r.status, 0, r.stderr);
    assertGolden("engine-launch-sheet", r.stdout);
  });

  it("runs the policy pack with the project's engine through its analyzer script, failing on the mandatory violation", () => {
    const r = pulumi("preview", "--non-interactive", "--stack", "test", "--policy-pack", join(ROOT, "provider", "policy-pack", "analyzer"));
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, out);
    assert.match(out, /tenancy-guardrails@v0\.1\.0/);
    assert.match(out, /- \[mandatory\]\s+dev-and-prod-mixed\s+\(pulumi-nodejs:dynamic\/tenancy:Project: chat-experiments\)/);
    assert.match(out, /production project chat-experiments is named or labelled for development work\. Fix: move development work to its own project with environment: development\./);
    assert.match(out, /- \[mandatory\]\s+production-launch-checklist\s+\(pulumi-nodejs:dynamic\/tenancy:Project: chat-experiments\)/);
    // The pack sees no ids: the stack's own references are not mismatches, and chat-prod's owner holds its membership.
    assert.doesNotMatch(out, /reference-mismatch|owner-without-membership/);
  });

  it("the runtime: nodejs pack needs a language host with RunPlugin, which the v3.68.0 host lacks", () => {
    const r = pulumi("preview", "--non-interactive", "--stack", "test", "--policy-pack", join(ROOT, "provider", "policy-pack"));
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /policy pack ".*provider\/policy-pack" failed to start: could not read plugin \[.*provider\/policy-pack\]: not supported/);
  });
});
