import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { TenancyClient } from "../../provider/client";
import { Backend, startBackend } from "../support/backend";
import { accounts, api, failure, post, TestStack, testStack } from "./support";

/** Taking over what already exists, and deploying with a project owner's narrower token. */
describe("the provider with objects and people that already exist", function () {
  this.timeout(10 * 60 * 1000);

  let backend: Backend;
  let root: TenancyClient;
  const stacks: TestStack[] = [];

  before(async () => {
    backend = await startBackend();
    await accounts(backend, ["ana@globex.test", "ben@initech.test", "eve@umbrella.test", "mallory@umbrella.test"]);
    root = api(backend.url, backend.token);
  });
  after(async () => {
    for (const t of stacks) {
      await t.stack.destroy().catch(() => undefined);
      await t.dispose();
    }
    await backend?.dispose();
  });

  it("adopts an existing project and membership, and takes over an identical membership without adopt", async () => {
    const org = await root.organizations.create({ name: "Globex" });
    const existing = await root.projects.create(org.id, { name: "search", environment: "development", description: "made by hand", team: "search" });
    await root.members.add({ organizationId: org.id }, { email: "ana@globex.test", role: "member" });
    const want = { conflict: false };
    const t = await testStack({
      endpoint: backend.url,
      token: backend.token,
      program: async () => {
        new tenancy.Project("search", { organizationId: org.id, name: "search", environment: "development", description: "managed", adopt: true });
        new tenancy.Membership("ana", { organizationId: org.id, email: "ana@globex.test", role: "billing", adopt: true });
        new tenancy.Membership("root", { organizationId: org.id, email: backend.email, role: "admin" });
        if (want.conflict) {
          new tenancy.Project("search-again", { organizationId: org.id, name: "search", environment: "staging" });
          new tenancy.Membership("ana-again", { organizationId: org.id, email: "ana@globex.test", role: "member" });
        }
      },
    });
    stacks.push(t);

    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 4 });
    const projects = (await root.projects.list(org.id, {})).data;
    assert.deepEqual(
      projects.map((p) => [p.id, p.name, p.description, p.team, p.status]),
      [[existing.id, "search", "managed", undefined, "active"]],
    );
    const members = (await root.members.list({ organizationId: org.id }, {})).data.map((m) => [m.email, m.role]).sort();
    assert.deepEqual(members, [["ana@globex.test", "billing"], [backend.email, "admin"]]);
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 4 });

    want.conflict = true;
    // Both conflicting creates must be tried: without --continue-on-error the engine starts no
    // new step after the first failure, and which of the two fails first is up to scheduling.
    const message = await failure(t.stack.up({ continueOnError: true }));
    assert.match(message, /create Project "search-again": a project named "search" already exists in org_\w+; set adopt: true to take it over/);
    assert.match(message, /create Membership "ana-again": ana@globex\.test is already a member with role billing; set adopt: true to take the membership over/);
    want.conflict = false;
    assert.deepEqual((await t.stack.up()).summary.resourceChanges, { same: 4 });
  });

  it("lets a project owner's token manage its project's members and keys, and answers not found for another project", async () => {
    const org = await root.organizations.create({ name: "Initech" });
    const alpha = await root.projects.create(org.id, { name: "alpha", environment: "development" });
    const beta = await root.projects.create(org.id, { name: "beta", environment: "development" });
    await root.members.add({ organizationId: org.id }, { email: "ben@initech.test", role: "member" });
    const sa = await post(backend, `/v1/organizations/${org.id}/service-accounts`, { name: "alpha deployer", role: "member" });
    await root.members.add({ organizationId: org.id, projectId: alpha.id }, { email: sa.email, role: "owner" });
    const { token } = await post(backend, `/v1/organizations/${org.id}/service-accounts/${sa.userId}/tokens`, { name: "pulumi" });

    const want = { beta: false };
    const t = await testStack({
      endpoint: backend.url,
      token,
      program: async () => {
        const ben = new tenancy.Membership("ben-alpha", { organizationId: org.id, projectId: alpha.id, email: "ben@initech.test", role: "member" });
        new tenancy.ApiKey("alpha-ci", { projectId: alpha.id, name: "ci", owner: "ben@initech.test" }, { dependsOn: [ben] });
        if (want.beta) new tenancy.Membership("ben-beta", { organizationId: org.id, projectId: beta.id, email: "ben@initech.test", role: "member" });
      },
    });
    stacks.push(t);

    assert.deepEqual((await t.stack.up()).summary.resourceChanges, { create: 3 });
    assert.deepEqual((await root.apiKeys.list(org.id, alpha.id, {})).data.map((k) => [k.name, k.owner, k.status]), [["ci", "ben@initech.test", "active"]]);
    want.beta = true;
    assert.match(await failure(t.stack.up()), /create Membership "ben-beta": [^\n]*not found/i);
    assert.deepEqual((await root.members.list({ organizationId: org.id, projectId: beta.id }, {})).data, []);
  });

  it("previews under an organization viewer's token, and a program that grants admin with it fails with 403", async () => {
    const org = await root.organizations.create({ name: "Umbrella" });
    await root.members.add({ organizationId: org.id }, { email: "eve@umbrella.test", role: "member" });
    const sa = await post(backend, `/v1/organizations/${org.id}/service-accounts`, { name: "pr preview", role: "viewer" });
    const { token } = await post(backend, `/v1/organizations/${org.id}/service-accounts/${sa.userId}/tokens`, { name: "preview" });
    const t = await testStack({
      endpoint: backend.url,
      token,
      program: async () => {
        // Promoting an existing member (adopt: a read, then a role change) and adding a new admin.
        new tenancy.Membership("eve", { organizationId: org.id, email: "eve@umbrella.test", role: "admin", adopt: true });
        new tenancy.Membership("mallory", { organizationId: org.id, email: "mallory@umbrella.test", role: "admin" });
      },
    });
    stacks.push(t);

    await t.stack.preview();
    // Both must be tried: without --continue-on-error the engine starts no step after the first failure.
    const message = await failure(t.stack.up({ continueOnError: true }));
    for (const name of ["eve", "mallory"]) {
      assert.match(message, new RegExp(`Membership "${name}": [^\\n]*your role does not allow you to manage this organization's members and service accounts`));
    }
    const members = (await root.members.list({ organizationId: org.id }, {})).data.map((m) => [m.email, m.role]).sort();
    assert.deepEqual(members, [["eve@umbrella.test", "member"], [backend.email, "admin"], [sa.email, "viewer"]].sort());
  });
});
