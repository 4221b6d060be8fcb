import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { TenancyClient } from "../../provider/client";
import { Backend, startBackend } from "../support/backend";
import { api, failure, post, TestStack, testStack } from "./support";

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

  const program = async () => {
    const org = new tenancy.Organization("globex", { name: "Globex" });
    const ana = new tenancy.Membership("ana", { organizationId: org.id, email: "ana@globex.test", role: "member" });
    const search = new tenancy.Project("search", { organizationId: org.id, name: "search", environment: "development" });
    const anaSearch = new tenancy.Membership("ana-search", { organizationId: org.id, projectId: search.id, email: "ana@globex.test", role: "owner" }, { dependsOn: [ana] });
    const key = new tenancy.ApiKey("search-ci", { projectId: search.id, name: "ci", owner: "ana@globex.test" }, { dependsOn: [anaSearch] });
    return { orgId: org.id, projectId: search.id, keyId: key.id };
  };

  before(async () => {
    backend = await startBackend();
    root = api(backend.url, backend.token);
    t = await testStack({ endpoint: backend.url, token: backend.token, program });
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 6 });
    outs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
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
      const wrong = new RegExp(`${backend.url}/wrong is not the base URL of a tenancy API \\(GET /v1/me answered 404\\); check tenancy:endpoint \\(or TENANCY_ENDPOINT\\)`);
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
      assert.match(await failure(t.stack.destroy()), other);
    } finally {
      await configure("tenancy:token", backend.token);
    }
    await untouched();
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
