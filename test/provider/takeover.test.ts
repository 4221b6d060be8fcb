import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { organizationImplementation } from "../../provider/organization";
import { failure, post, testStack, useStacks } from "./support";

/**
 * A stack never takes over what another stack made (issue 20): a URN is not unique across state
 * backends or people, so a create that meets its `externalId` recovers the object only when it is
 * its own lost create (the lost-create case itself: program.test.ts, spec.test.ts).
 */
describe("the provider never takes over another stack's objects", function () {
  this.timeout(10 * 60 * 1000);

  const s = useStacks(["ben@acme.test"]);
  /** The objects the backend's bootstrap user holds unconfirmed claims on. */
  const pending = async () => {
    const res = await fetch(`${s.backend.url}/v1/claims?limit=100`, { headers: { authorization: `Bearer ${s.backend.token}` } });
    return ((await res.json()) as { data: { objectId: string }[] }).data.map((c) => c.objectId);
  };

  /** What a stack made, as the backend holds it: ids, names, versions, key status. */
  async function snapshot(orgId: string) {
    const org = await s.root.organizations.get(orgId);
    const projects = (await s.root.projects.list(orgId, {})).data;
    const keys = await Promise.all(projects.map(async (p) => (await s.root.apiKeys.list(orgId, p.id, {})).data.map((k) => [k.id, k.name, k.status, k.version])));
    const members = (await s.root.members.list({ organizationId: orgId }, {})).data.map((m) => [m.userId, m.role, m.version]);
    return { org: [org.id, org.name, org.version], projects: projects.map((p) => [p.id, p.name, p.status, p.version, p.limits]), keys, members };
  }

  it("refuses a second state backend's stack of the same project and stack names, by the same user, and leaves the first stack's objects as they were", async () => {
    const layout = (orgName: string, rpm: number) => async () => {
      const org = new tenancy.Organization("acme", { name: orgName });
      const ben = new tenancy.Membership("ben", { organizationId: org.id, email: "ben@acme.test", role: "member" });
      const project = new tenancy.Project("chat", { organizationId: org.id, name: "chat", environment: "development", limits: { requestsPerMinute: rpm } });
      const benChat = new tenancy.Membership("ben-chat", { organizationId: org.id, projectId: project.id, email: "ben@acme.test", role: "owner" }, { dependsOn: [ben] });
      new tenancy.ApiKey("backend", { projectId: project.id, name: "backend", owner: "ben@acme.test" }, { dependsOn: [benChat] });
    };
    const first = await testStack({ endpoint: s.backend.url, token: s.backend.token, program: layout("Acme", 600) });
    s.stacks.push(first);
    const up = await first.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 6 });
    const orgId = (await first.stack.exportStack()).deployment.resources.find((r: { type: string }) => r.type.endsWith(":Organization")).id;
    const before = await snapshot(orgId);

    const second = await testStack({ endpoint: s.backend.url, token: s.backend.token, program: layout("Acme Two", 1) });
    s.stacks.push(second);
    const message = await failure(second.stack.up());
    const urn = "urn:pulumi:test::tenancy-test::pulumi-nodejs:dynamic/tenancy:Organization::acme";
    assert.ok(
      message.includes(`create Organization "acme": organization ${orgId} ("Acme") is claimed by ${urn} in another deployment`),
      message,
    );
    assert.deepEqual(await snapshot(orgId), before);
    // The first stack's program confirmed each object before its `up` returned: nothing was left to recover.
    assert.deepEqual(await pending(), []);
    const refresh = await first.stack.refresh();
    assert.deepEqual(refresh.summary.resourceChanges, { same: 6 });
    assert.deepEqual(await snapshot(orgId), before);
  });

  it("refuses a project another admin's stack made under the same URN, naming adopt: true, and takes it over only with it", async () => {
    const org = await s.root.organizations.create({ name: "Initech" });
    const sa = await post(s.backend, `/v1/organizations/${org.id}/service-accounts`, { name: "other admin", role: "admin" });
    const { token: otherToken } = await post(s.backend, `/v1/organizations/${org.id}/service-accounts/${sa.userId}/tokens`, { name: "pulumi" });
    const want = { adopt: false };
    const mine = await testStack({
      endpoint: s.backend.url,
      token: s.backend.token,
      program: async () => void new tenancy.Project("svc", { organizationId: org.id, name: "payments", environment: "development" }),
    });
    const theirs = await testStack({
      endpoint: s.backend.url,
      token: otherToken,
      program: async () => void new tenancy.Project("svc", { organizationId: org.id, name: "reports", environment: "development", adopt: want.adopt }),
    });
    s.stacks.push(mine, theirs);
    await mine.stack.up();
    const [project] = (await s.root.projects.list(org.id, {})).data;
    const before = await snapshot(org.id);

    const message = await failure(theirs.stack.up());
    const urn = "urn:pulumi:test::tenancy-test::pulumi-nodejs:dynamic/tenancy:Project::svc";
    assert.ok(message.includes(`create Project "svc": project ${project.id} ("payments") is claimed by ${urn} in another deployment`), message);
    assert.ok(message.includes("set adopt: true to take it over deliberately"), message);
    assert.deepEqual(await snapshot(org.id), before);
    assert.deepEqual((await mine.stack.refresh()).summary.resourceChanges, { same: 2 });

    want.adopt = true;
    await theirs.stack.up();
    assert.deepEqual((await s.root.projects.list(org.id, {})).data.map((p) => [p.id, p.name]), [[project.id, "reports"]]);
  });

  it("confirms, on read, an object the state holds whose confirmation the program never sent", async () => {
    const settings = { endpoint: s.backend.url, token: s.backend.token };
    const urn = "urn:pulumi:test::tenancy-test::pulumi-nodejs:dynamic/tenancy:Organization::unconfirmed";
    const made = await organizationImplementation(settings).create!({ name: "Unconfirmed", externalId: urn } as never);
    assert.ok((await pending()).includes(made.id));
    await organizationImplementation(settings).read!(made.id, made.outs);
    assert.ok(!(await pending()).includes(made.id));
    await s.root.organizations.delete(made.id);
  });
});
