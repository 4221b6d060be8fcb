import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TenancyClient } from "../../provider/client";
import { Backend, ROOT, startBackend } from "../support/backend";
import { engineBin } from "../support/engine";
import { forEachDialect } from "../review/support";
import { accounts, post, TestStack, testStack, workDir } from "./support";

/**
 * The policy pack judges the organizations a stack names but does not declare (the environments
 * example's normal case: an `org` stack, and project stacks that take its id) as the backend holds
 * them, read with the job's viewer token: a production key without `expiresInDays` never expires
 * when that organization sets no `apiKeyMaxLifetimeDays`, and gets the maximum once it sets one.
 */

/** A project stack of an organization it does not declare: a production project, its owner, and a key without expiry. */
const PROGRAM = (dist: string, orgId: string) => `
const tenancy = require(${JSON.stringify(join(dist, "provider", "index.js"))});
const organizationId = ${JSON.stringify(orgId)};
const project = new tenancy.Project("chat-prod", { organizationId, name: "chat-prod", environment: "production", owner: "ben@acme.test",
  keyOwner: "ben@acme.test", escalationContact: "oncall@acme.test", expectedMonthlySpendUsd: 500, limits: { requestsPerMinute: 100, monthlyBudgetUsd: 600 } });
const ben = new tenancy.Membership("ben-chat-prod", { organizationId, projectId: project.id, email: "ben@acme.test", role: "owner" });
new tenancy.ApiKey("backend", { projectId: project.id, name: "backend", owner: "ben@acme.test" }, { dependsOn: [ben] });
`;

const NEVER_EXPIRES = /\[mandatory\]\s+production-launch-checklist\s+\(pulumi-nodejs:dynamic\/tenancy:ApiKey: backend\)[\s\S]*?production key backend never expires/;

forEachDialect("the policy pack judges an organization of another stack as the backend holds it", function (dialect) {
  this.timeout(10 * 60 * 1000);
  let backend: Backend;
  let t: TestStack;
  let orgId: string;
  /** The pull request job's credential: a viewer service account of the organization. */
  let viewer: { TENANCY_ENDPOINT: string; TENANCY_TOKEN: string };
  const preview = (env: Record<string, string>) =>
    spawnSync(join(engineBin(), "pulumi"), ["preview", "--non-interactive", "--stack", "test", "--policy-pack", join(ROOT, "provider", "policy-pack", "analyzer")], {
      cwd: t.dir,
      encoding: "utf8",
      env: { ...process.env, ...t.env, ...env },
    });

  before(async () => {
    backend = await startBackend({ dialect });
    await accounts(backend, ["ben@acme.test"]);
    // The organization stack's work, done here through the API: the organization and ben.
    const root = new TenancyClient({ endpoint: backend.url, token: backend.token });
    orgId = (await root.organizations.create({ name: "Acme" })).id;
    await root.members.add({ organizationId: orgId }, { email: "ben@acme.test", role: "member" });
    const sa = await post(backend, `/v1/organizations/${orgId}/service-accounts`, { name: "pr preview", role: "viewer" });
    const { token } = await post(backend, `/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "preview" });
    viewer = { TENANCY_ENDPOINT: backend.url, TENANCY_TOKEN: token };
    const dir = workDir();
    writeFileSync(join(dir, "Pulumi.yaml"), "name: tenancy-pack-outside\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(join(dir, "index.js"), PROGRAM(join(ROOT, "dist"), orgId));
    t = await testStack({ endpoint: backend.url, token: backend.token }, dir);
  });

  after(async () => {
    await t?.dispose();
    await backend?.dispose();
  });

  it("flags a production key without expiry when the organization sets no maximum lifetime, and not once it sets one", async () => {
    const open = preview(viewer);
    assert.notEqual(open.status, 0, open.stdout + open.stderr);
    assert.match(open.stdout + open.stderr, NEVER_EXPIRES);

    await new TenancyClient({ endpoint: backend.url, token: backend.token }).organizations.update(orgId, { settings: { apiKeyMaxLifetimeDays: 365 } });
    const capped = preview(viewer);
    assert.equal(capped.status, 0, capped.stdout + capped.stderr);
    assert.doesNotMatch(capped.stdout + capped.stderr, /production-launch-checklist/);
  });

  it("fails with a sentence naming the organization and how to give the pack a credential when it has none", () => {
    const r = preview({ TENANCY_ENDPOINT: "", TENANCY_TOKEN: "", XDG_CONFIG_HOME: workDir() });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, out);
    assert.ok(out.includes(`the stack names ${orgId}, which it does not declare; to judge them the policy pack reads them through the tenancy API (a viewer's token is enough): no tenancy endpoint: set it with the TENANCY_ENDPOINT environment variable`), out);
  });
});
