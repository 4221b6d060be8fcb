import assert from "node:assert/strict";
import { policy } from "../../backend/auth/policy";
import * as tenancy from "../../provider";
import { apiKeyImplementation } from "../../provider/api-key";
import { TenancyClient } from "../../provider/client";
import { SEES_EVERY_PROJECT } from "../../provider/gone";
import { membershipImplementation } from "../../provider/membership";
import { projectImplementation } from "../../provider/project";
import { ORG_ROLES } from "../../schema";
import { Backend, startBackend } from "../support/backend";
import { accounts, api, failure, post, TestStack, testStack } from "./support";

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A service account of the organization with `role`, and a management token of it. */
async function colleague(backend: Backend, orgId: string, name: string, role: string): Promise<{ userId: string; email: string; token: string }> {
  const sa = await post(backend, `/v1/organizations/${orgId}/service-accounts`, { name, role });
  const { token } = await post(backend, `/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "pulumi" });
  return { userId: sa.userId, email: sa.email, token };
}

/**
 * The layout both suites deploy: organization Globex with `people` as members of it and of its
 * project "search" (ana with `anaInSearch`, the others as members), and ana's key "search-ci".
 */
function globex({ people, anaInSearch }: { people: string[]; anaInSearch: "owner" | "member" }) {
  return async () => {
    const org = new tenancy.Organization("globex", { name: "Globex" });
    const search = new tenancy.Project("search", { organizationId: org.id, name: "search", environment: "development" });
    const inSearch = people.map((who) => {
      const email = `${who}@globex.test`;
      const member = new tenancy.Membership(who, { organizationId: org.id, email, role: "member" });
      const role = who === "ana" ? anaInSearch : "member";
      return new tenancy.Membership(`${who}-search`, { organizationId: org.id, projectId: search.id, email, role }, { dependsOn: [member] });
    });
    const key = new tenancy.ApiKey("search-ci", { projectId: search.id, name: "ci", owner: "ana@globex.test" }, { dependsOn: [inSearch[0]] });
    return { orgId: org.id, projectId: search.id, keyId: key.id };
  };
}

/** The first `up` of a stack: it must create `creates` resources; its outputs. */
async function firstUp(t: TestStack, creates: number): Promise<Record<string, string>> {
  const up = await t.stack.up();
  assert.deepEqual(up.summary.resourceChanges, { create: creates });
  return Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
}

/** A resource's outputs in the stack's state, found by its logical name. */
async function stateOf(t: TestStack, name: string): Promise<{ id: string; outputs: Record<string, unknown> }> {
  const resources: { urn: string; id: string; outputs: Record<string, unknown> }[] = (await t.stack.exportStack()).deployment.resources;
  const found = resources.find((r) => r.urn.endsWith(`::${name}`));
  assert.ok(found, `${name} is in the state`);
  return found;
}

/**
 * A 404 means "missing" or "not yours to see": a refresh or destroy with the endpoint pointing
 * at a wrong path, or with the token of a user outside the organization, must fail naming the
 * likely mistake and leave the state as it was — while an object really deleted out of band,
 * down to the organization itself, still disappears on refresh.
 */
describe("the provider never takes a wrong endpoint or another user's token for deletions", function () {
  this.timeout(10 * 60 * 1000);

  let backend: Backend;
  let root: TenancyClient;
  let t: TestStack;
  let outs: Record<string, string>;

  const program = globex({ people: ["ana"], anaInSearch: "owner" });

  before(async () => {
    backend = await startBackend();
    await accounts(backend, ["ana@globex.test", "ben@globex.test", "pat@initech.test"]);
    root = api(backend.url, backend.token);
    t = await testStack({ endpoint: backend.url, token: backend.token, program });
    outs = await firstUp(t, 6);
  });
  after(async () => {
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
    await backend?.dispose();
  });

  /**
   * Refresh and destroy use the provider configuration stored in state, which an `up` records:
   * the mistake is made as a user makes it, a config change and a (no-op) up, then a refresh.
   */
  async function configure(key: string, value: string) {
    await t.stack.setConfig(key, { value, secret: key === "tenancy:token" });
    assert.deepEqual((await t.stack.up()).summary.resourceChanges, { same: 6 });
  }

  const managed = async () => (await t.stack.exportStack()).deployment.resources.filter((r: { type: string }) => r.type.includes("dynamic/tenancy:")).length;

  /** The stack and the objects are as deployed: five resources in state, the key still active. */
  async function untouched() {
    assert.equal(await managed(), 5);
    assert.equal((await root.apiKeys.get(outs.orgId, outs.projectId, outs.keyId)).status, "active");
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 6 });
  }

  it("fails refresh and destroy against a wrong path on the right host, naming tenancy:endpoint, and keeps every resource", async () => {
    await configure("tenancy:endpoint", `${backend.url}/wrong`);
    try {
      const wrong = new RegExp(`${backend.url}/wrong is not the base URL of a tenancy API \\(GET /v1/me answered 404[^)]*\\); check tenancy:endpoint \\(or TENANCY_ENDPOINT\\)`);
      assert.match(await failure(t.stack.refresh()), wrong);
      assert.match(await failure(t.stack.destroy()), wrong);
    } finally {
      await configure("tenancy:endpoint", backend.url);
    }
    await untouched();
  });

  it("fails refresh and destroy with the token of a user in none of its organizations, naming tenancy:token, and keeps every resource", async () => {
    const elsewhere = await root.organizations.create({ name: "Elsewhere" });
    const outsider = await post(backend, `/v1/organizations/${elsewhere.id}/service-accounts`, { name: "outsider", role: "admin" });
    const { token } = await post(backend, `/v1/organizations/${elsewhere.id}/service-accounts/${outsider.userId}/tokens`, { name: "pulumi" });
    await configure("tenancy:token", token);
    try {
      const other = new RegExp(
        `was not found, and ${outsider.email.replace(/[.+]/g, "\\$&")} \\(${outsider.userId}\\) cannot see organization ${outs.orgId}: ` +
          "tenancy:token \\(or TENANCY_TOKEN\\) is most likely the token of a user who is not a member of it",
      );
      const refresh = await failure(t.stack.refresh());
      assert.match(refresh, other);
      assert.match(refresh, /Organization "globex" was not found/);
      assert.ok(refresh.includes(`or tenancy:endpoint (${backend.url}) is not the backend it was deployed to`), refresh);
      assert.match(await failure(t.stack.destroy()), other);
    } finally {
      await configure("tenancy:token", backend.token);
    }
    await untouched();
  });

  it("fails refresh and destroy with the token of a member of the organization who is not in the project, naming the project, and keeps every resource", async () => {
    // A plain member sees the organization and its members, but only the projects they are in.
    const plain = await colleague(backend, outs.orgId, "colleague", "member");
    const rootId = await root.myUserId();
    const cannotSee = (label: string) =>
      new RegExp(
        `${esc(label)} was not found, and ${esc(plain.email)} \\(${plain.userId}\\) cannot see project ${outs.projectId}: ` +
          `their role in organization ${outs.orgId} is member, which sees only the projects they are a member of; ` +
          "tenancy:token \\(or TENANCY_TOKEN\\) is most likely the token of a user who is not a member of the project\\. " +
          `Use a token of a member of project ${outs.projectId}, of an admin or billing member of organization ${outs.orgId}, ` +
          `or of ${rootId}, who deployed it; nothing was removed from the state`,
      );

    // The provider's own calls, as the audit made them: each refuses, none passes over the object.
    const settings = { endpoint: backend.url, token: plain.token };
    const search = await stateOf(t, "search");
    const key = await stateOf(t, "search-ci");
    const anaSearch = await stateOf(t, "ana-search");
    await assert.rejects(projectImplementation(settings).read!(search.id, search.outputs as never), (e: Error) => (assert.match(e.message, cannotSee('Project "search"')), true));
    await assert.rejects(projectImplementation(settings).delete!(search.id, search.outputs as never), (e: Error) => (assert.match(e.message, cannotSee('Project "search"')), true));
    await assert.rejects(apiKeyImplementation(settings).read!(key.id, key.outputs as never), (e: Error) => (assert.match(e.message, cannotSee('ApiKey "search-ci"')), true));
    await assert.rejects(apiKeyImplementation(settings).delete!(key.id, key.outputs as never), (e: Error) => (assert.match(e.message, cannotSee('ApiKey "search-ci"')), true));
    await assert.rejects(membershipImplementation(settings).read!(anaSearch.id, anaSearch.outputs as never), (e: Error) => (assert.match(e.message, cannotSee('Membership "ana-search"')), true));
    await assert.rejects(membershipImplementation(settings).delete!(anaSearch.id, anaSearch.outputs as never), (e: Error) => (assert.match(e.message, cannotSee('Membership "ana-search"')), true));
    assert.equal((await root.projects.get(outs.orgId, outs.projectId)).status, "active");

    // And through the engine, as a user makes the mistake.
    await configure("tenancy:token", plain.token);
    try {
      const refresh = await failure(t.stack.refresh());
      assert.match(refresh, cannotSee('Project "search"'));
      assert.match(refresh, cannotSee('ApiKey "search-ci"'));
      assert.match(refresh, cannotSee('Membership "ana-search"'));
      assert.match(await failure(t.stack.destroy()), cannotSee('ApiKey "search-ci"'));
    } finally {
      await configure("tenancy:token", backend.token);
    }
    await untouched();
    assert.equal((await root.projects.get(outs.orgId, outs.projectId)).status, "active");
  });

  it("still drops on refresh what was really deleted out of band, down to the organization itself", async () => {
    await root.apiKeys.revoke(outs.orgId, outs.projectId, outs.keyId);
    assert.deepEqual((await t.stack.refresh()).summary.resourceChanges, { same: 5, delete: 1 });
    assert.equal(await managed(), 4);

    // The organization deleted (its project archived first, as the API requires): the deployer
    // sees it gone, and everything in it with it.
    await root.projects.archive(outs.orgId, outs.projectId);
    await root.organizations.delete(outs.orgId);
    assert.deepEqual((await t.stack.refresh()).summary.resourceChanges, { same: 1, delete: 4 });
    assert.equal(await managed(), 0);
  });
});

/**
 * The other side of the rule: a token that would certainly see the object if it existed — a
 * project owner's for what is inside the project, an organization admin's for anything in the
 * organization — still drops on refresh what was really deleted out of band, though it did not
 * deploy it.
 */
describe("the provider still drops what was deleted out of band when a token that sees it refreshes", function () {
  this.timeout(10 * 60 * 1000);

  let backend: Backend;
  let root: TenancyClient;
  let t: TestStack;
  let outs: Record<string, string>;

  const program = globex({ people: ["ana", "ben"], anaInSearch: "member" });

  before(async () => {
    backend = await startBackend();
    await accounts(backend, ["ana@globex.test", "ben@globex.test", "pat@initech.test"]);
    root = api(backend.url, backend.token);
    t = await testStack({ endpoint: backend.url, token: backend.token, program });
    outs = await firstUp(t, 8);
  });
  after(async () => {
    await t?.stack.setConfig("tenancy:token", { value: backend.token, secret: true }).catch(() => undefined);
    await t?.stack.up().catch(() => undefined);
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
    await backend?.dispose();
  });

  async function configure(token: string, changes: Record<string, number>) {
    await t.stack.setConfig("tenancy:token", { value: token, secret: true });
    assert.deepEqual((await t.stack.up()).summary.resourceChanges, changes);
  }

  it("holds the organization roles that see every project to the backend's own rule", () => {
    for (const role of ORG_ROLES) assert.equal(SEES_EVERY_PROJECT.has(role), policy.seeAllProjects({ orgRole: role }), role);
  });

  it("drops a project member removed out of band for a project owner's token, and the project archived out of band for an organization admin's", async () => {
    // A plain member of the organization who owns the project sees everything in it.
    const owner = await colleague(backend, outs.orgId, "search owner", "member");
    await root.members.add({ organizationId: outs.orgId, projectId: outs.projectId }, { email: owner.email, role: "owner" });
    await configure(owner.token, { same: 8 });
    const ben = (await root.members.list({ organizationId: outs.orgId, projectId: outs.projectId }, { email: "ben@globex.test" })).data[0];
    await root.members.remove({ organizationId: outs.orgId, projectId: outs.projectId }, ben.userId);
    assert.deepEqual((await t.stack.refresh()).summary.resourceChanges, { same: 7, delete: 1 });

    // An admin of the organization sees every project of it, and everything in them (its up
    // adds ben back to the project).
    const admin = await colleague(backend, outs.orgId, "platform admin", "admin");
    await configure(admin.token, { same: 7, create: 1 });
    await root.apiKeys.revoke(outs.orgId, outs.projectId, outs.keyId);
    const ana = (await root.members.list({ organizationId: outs.orgId, projectId: outs.projectId }, { email: "ana@globex.test" })).data[0];
    await root.members.remove({ organizationId: outs.orgId, projectId: outs.projectId }, ana.userId);
    assert.deepEqual((await t.stack.refresh()).summary.resourceChanges, { same: 6, delete: 2 });
    await root.projects.archive(outs.orgId, outs.projectId);
    assert.deepEqual((await t.stack.refresh()).summary.resourceChanges, { same: 4, delete: 2 });
    assert.deepEqual((await t.stack.exportStack()).deployment.resources.filter((r: { type: string }) => r.type.includes("dynamic/tenancy:")).length, 3);

    // A project id that no project has: for the admin it is gone, for a plain member it is not shown.
    const missing = "proj_" + "0".repeat(26);
    const props = { ...(await root.projects.get(outs.orgId, outs.projectId)), id: missing, deployedBy: await root.myUserId() } as never;
    assert.deepEqual(await projectImplementation({ endpoint: backend.url, token: admin.token }).read!(missing, props), { id: "" });
    await assert.rejects(projectImplementation({ endpoint: backend.url, token: owner.token }).read!(missing, props), /cannot see project proj_0+: their role in organization org_\w+ is member/);
  });

  it("does not let the deployer's token pass over a project and key it merely lost sight of", async () => {
    // A plain member deploys a project (becoming its owner) and a key; an admin then takes them off the project.
    const org = (await post(backend, "/v1/organizations", { name: "Initech", settings: { membersCanCreateProjects: true } })).id;
    const dev = await colleague(backend, org, "dev", "member");
    const settings = { endpoint: backend.url, token: dev.token };
    const project = await projectImplementation(settings).create!({ organizationId: org, name: "tps", environment: "development" } as never);
    // Owned by someone else: a member who owns active keys cannot be removed from the project.
    await root.members.add({ organizationId: org }, { email: "pat@initech.test", role: "member" });
    await root.members.add({ organizationId: org, projectId: project.id }, { email: "pat@initech.test", role: "member" });
    const key = await apiKeyImplementation(settings).create!({ projectId: project.id, name: "ci", owner: "pat@initech.test" } as never);
    await root.members.remove({ organizationId: org, projectId: project.id }, dev.userId);
    const lostSight = new RegExp(`was not found, and ${esc(dev.email)} \\(${dev.userId}\\) cannot see project ${project.id}: their role in organization ${org} is member`);
    await assert.rejects(apiKeyImplementation(settings).read!(key.id, key.outs as never), lostSight);
    await assert.rejects(projectImplementation(settings).delete!(project.id, project.outs as never), lostSight);
    assert.equal((await root.projects.get(org, project.id)).status, "active");
    assert.equal((await root.apiKeys.get(org, project.id, key.id)).status, "active");
  });
});
