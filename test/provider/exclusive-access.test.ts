import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { describeAccess, driftReport, retire, stackOf, undeclaredAccess } from "../../provider/access";
import { TenancyClient } from "../../provider/client";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { accounts, api, post, testStack, TestStack, useStacks } from "./support";

/**
 * `exclusiveAccess: true` (issue 20 item 2): access granted outside the stack is drift that
 * `pulumi preview --refresh` shows and `up` removes — never the deployer, never the last admin,
 * a key by the rotation overlap rather than at once. Off, it changes nothing.
 */
describe("exclusive access", function () {
  this.timeout(10 * 60 * 1000);
  const s = useStacks(["ana@acme.test", "eve@acme.test"]);

  /** An organization with one declared member, and a project with her and her key; exclusive or not. */
  async function deploy(exclusiveAccess: boolean): Promise<{ t: TestStack; orgId: string; projectId: string }> {
    const t = await testStack({
      endpoint: s.backend.url,
      token: s.backend.token,
      program: async () => {
        const org = new tenancy.Organization(`acme-${exclusiveAccess}`, { name: `Acme ${exclusiveAccess}`, exclusiveAccess });
        const ana = new tenancy.Membership("ana", { organizationId: org.id, email: "ana@acme.test", role: "member" });
        const project = new tenancy.Project("chat", { organizationId: org.id, name: "chat", environment: "development", exclusiveAccess });
        const anaChat = new tenancy.Membership("ana-chat", { organizationId: org.id, projectId: project.id, email: "ana@acme.test", role: "owner" }, { dependsOn: [ana] });
        new tenancy.ApiKey("backend", { projectId: project.id, name: "backend", owner: "ana@acme.test" }, { dependsOn: [anaChat] });
        return { orgId: org.id, projectId: project.id };
      },
    });
    s.stacks.push(t);
    await t.stack.up();
    const out = await t.stack.outputs();
    return { t, orgId: out.orgId.value, projectId: out.projectId.value };
  }

  /**
   * Access granted by hand, as an admin would through the API: an admin, an invitation of a
   * person without an account (an admin of the organization and owner of the project once they
   * accept), and a key without expiry.
   */
  async function grantByHand(orgId: string, projectId: string) {
    await s.root.members.add({ organizationId: orgId }, { email: "eve@acme.test", role: "admin" });
    await post(s.backend, `/v1/organizations/${orgId}/invitations`, { email: "zed@acme.test", role: "admin", projects: [{ projectId, role: "owner" }] });
    return s.root.apiKeys.create(orgId, projectId, { name: "by-hand", owner: "ana@acme.test" });
  }

  const pending = async (orgId: string) => (await s.root.invitations.list(orgId, { status: "pending" })).data.map((i) => i.email);

  const emails = async (orgId: string) => (await s.root.members.list({ organizationId: orgId }, {})).data.map((m) => `${m.email}:${m.role}`).sort();

  it("shows hand-made access as drift, removes the admin and revokes the invitation on up and lets the key run out its overlap, keeping the deployer", async () => {
    const { t, orgId, projectId } = await deploy(true);
    const key = await grantByHand(orgId, projectId);

    const preview = await t.stack.preview({ refresh: true, diff: true });
    assert.deepEqual(preview.changeSummary, { same: 4, update: 2 });
    assert.match(preview.stdout, /undeclaredAccess/);
    assert.match(preview.stdout, /eve@acme\.test/);
    assert.match(preview.stdout, /zed@acme\.test/);
    assert.match(preview.stdout, new RegExp(`${key.id}[\\s\\S]*by-hand|by-hand[\\s\\S]*${key.id}`));
    // A preview changes nothing.
    assert.deepEqual(await emails(orgId), ["ana@acme.test:member", "eve@acme.test:admin", "root@tenancy.test:admin"]);
    assert.deepEqual(await pending(orgId), ["zed@acme.test"]);

    const before = Date.now();
    const up = await t.stack.up({ refresh: true });
    assert.deepEqual(up.summary.resourceChanges, { same: 4, update: 2 });
    assert.match(up.stdout, /kept root@tenancy\.test \(admin of organization org_\w+\) although no resource declares it: it is the deployer's own/);
    assert.deepEqual(await emails(orgId), ["ana@acme.test:member", "root@tenancy.test:admin"]);
    assert.deepEqual(await pending(orgId), [], "the invitation made by hand is revoked: its link no longer makes an admin");
    const retired = await s.root.apiKeys.get(orgId, projectId, key.id);
    assert.equal(retired.status, "active", "the key keeps working through the overlap");
    const hours = (Date.parse(retired.expiresAt!) - before) / 3_600_000;
    assert.ok(hours > 23.9 && hours <= 24.01, `the key expires 24 hours after the up, not ${hours} h`);

    // Removed and retiring: no drift is left, and the next preview is clean.
    assert.deepEqual((await t.stack.preview({ refresh: true })).changeSummary, { same: 6 });
  });

  it("keeps a hand-made membership that a resource took over when exclusiveAccess is turned on later", async () => {
    let declareEve = false;
    let exclusiveAccess = false;
    const t = await testStack({
      endpoint: s.backend.url,
      token: s.backend.token,
      program: async () => {
        const org = new tenancy.Organization("acme-takeover", { name: "Acme takeover", exclusiveAccess });
        // The same role as the hand-made membership: taken over without `adopt`.
        if (declareEve) new tenancy.Membership("eve", { organizationId: org.id, email: "eve@acme.test", role: "admin" });
        return { orgId: org.id };
      },
    });
    s.stacks.push(t);
    await t.stack.up();
    const orgId = (await t.stack.outputs()).orgId.value as string;
    const hand = await s.root.members.add({ organizationId: orgId }, { email: "eve@acme.test", role: "admin" });

    declareEve = true;
    await t.stack.up();
    const [eve] = (await s.root.members.list({ organizationId: orgId }, { email: "eve@acme.test" })).data;
    assert.equal(eve.createdAt, hand.createdAt, "the hand-made membership was taken over, not made anew");
    assert.match(eve.externalId ?? "", /^urn:pulumi:test::.*::eve#eve@acme\.test$/, "the take-over marks the membership as the stack's");

    // Turned on afterwards: eve is declared, so nothing is drift and nothing is removed.
    exclusiveAccess = true;
    await t.stack.up({ refresh: true });
    assert.deepEqual((await t.stack.preview({ refresh: true })).changeSummary, { same: 3 });
    assert.deepEqual(await emails(orgId), ["eve@acme.test:admin", "root@tenancy.test:admin"]);
  });

  it("changes nothing when exclusiveAccess is off", async () => {
    const { t, orgId, projectId } = await deploy(false);
    const key = await grantByHand(orgId, projectId);
    assert.deepEqual((await t.stack.preview({ refresh: true })).changeSummary, { same: 6 });
    await t.stack.up({ refresh: true });
    assert.deepEqual(await emails(orgId), ["ana@acme.test:member", "eve@acme.test:admin", "root@tenancy.test:admin"]);
    const untouched = await s.root.apiKeys.get(orgId, projectId, key.id);
    assert.deepEqual([untouched.status, untouched.expiresAt], ["active", undefined]);
  });

});

for (const dialect of DIALECTS) {
  describe(`undeclared access, listed and retired through the API (${dialect.name})`, () => {
    let backend: Backend;
    let root: TenancyClient;
    before(async () => {
      backend = await startBackend({ dialect });
      await accounts(backend, ["ana@acme.test", "eve@acme.test"]);
      root = api(backend.url, backend.token);
    });
    after(async () => backend?.dispose());
    const stack = stackOf("urn:pulumi:prod::acme::pulumi:pulumi:Stack::acme-prod");

    it("lists what no resource of the stack declares, keeps the deployer, and retires the rest: members at once, credentials by the overlap", async () => {
      const org = await root.organizations.create({ name: "Retirees" });
      const scope = { organizationId: org.id };
      const ana = await root.members.add(scope, { email: "ana@acme.test", role: "member", externalId: `${stack.prefix}pulumi-nodejs:dynamic/tenancy:Membership::ana#ana@acme.test` });
      const eve = await root.members.add(scope, { email: "eve@acme.test", role: "admin" });
      const ci = await root.serviceAccounts.create(org.id, { name: "ci-by-hand", role: "member" });
      const { token } = await root.serviceAccounts.mintToken(org.id, ci.userId, { name: "ci" });
      const project = await root.projects.create(org.id, { name: "chat", environment: "development" });
      const inProject = { organizationId: org.id, projectId: project.id };
      await root.members.add(inProject, { email: "ana@acme.test", role: "owner" });
      const key = await root.apiKeys.create(org.id, project.id, { name: "by-hand", owner: "ana@acme.test", permissions: "read_only" });
      const me = await root.myUserId();

      const found = await undeclaredAccess(root, scope, stack);
      assert.deepEqual(found, {
        removable: [
          { kind: "member", id: eve.userId, who: "eve@acme.test", role: "admin", organizationId: org.id },
          { kind: "serviceAccount", id: ci.userId, who: "ci-by-hand", role: "member", organizationId: org.id },
        ],
        kept: [{ kind: "member", id: me, who: "root@tenancy.test", role: "admin", organizationId: org.id, why: "it is the deployer's own" }],
      });
      const inChat = await undeclaredAccess(root, inProject, stack);
      assert.deepEqual(inChat.removable, [
        { kind: "projectMember", id: ana.userId, who: "ana@acme.test", role: "owner", organizationId: org.id, projectId: project.id },
        { kind: "apiKey", id: key.id, who: "by-hand", role: "read_only", organizationId: org.id, projectId: project.id, redactedValue: key.redactedValue },
      ]);

      const now = Date.now();
      await retire(root, [...found.removable, inChat.removable[1]], now);
      const until = new Date(now + 24 * 3_600_000).toISOString();
      assert.deepEqual((await root.members.list(scope, {})).data.map((m) => m.name ?? m.email).sort(), ["ana@acme.test", "ci-by-hand", "root@tenancy.test"]);
      const [ciToken] = (await root.serviceAccounts.tokens(org.id, ci.userId)).data;
      assert.deepEqual([ciToken.status, ciToken.expiresAt], ["active", until]);
      const retired = await root.apiKeys.get(org.id, project.id, key.id);
      assert.deepEqual([retired.status, retired.expiresAt], ["active", until]);
      assert.equal((await fetch(`${backend.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status, 200, "the account works through its overlap");

      // On their way out, the key and the account are no longer drift; eve is gone.
      assert.deepEqual((await undeclaredAccess(root, scope, stack)).removable, []);
      assert.deepEqual((await undeclaredAccess(root, inProject, stack)).removable.map((a) => a.kind), ["projectMember"]);
    });

    it("lists pending invitations no resource declares, and a project grant one carries; revokes them, or takes the project out", async () => {
      const org = await root.organizations.create({ name: "Invitees" });
      const scope = { organizationId: org.id };
      const [chat, batch] = [await root.projects.create(org.id, { name: "chat", environment: "development" }), await root.projects.create(org.id, { name: "batch", environment: "development" })];
      const declared = (name: string) => `${stack.prefix}pulumi-nodejs:dynamic/tenancy:Membership::${name}`;
      // Declared by the stack: an invitation made by adding a Membership, with a declared grant of chat and a grant of batch by hand.
      await root.members.addOrInvite(scope, { email: "dee@acme.test", role: "member", externalId: declared("dee#dee@acme.test") });
      await root.members.addOrInvite({ organizationId: org.id, projectId: chat.id }, { email: "dee@acme.test", role: "owner", externalId: declared("dee-chat#dee@acme.test") });
      await root.members.addOrInvite({ organizationId: org.id, projectId: batch.id }, { email: "dee@acme.test", role: "member" });
      // Sent by hand: zed's invitation, and one by hand that a declared project grant joined later (kept, saying why).
      const zed = await post(backend, `/v1/organizations/${org.id}/invitations`, { email: "zed@acme.test", role: "admin", projects: [{ projectId: chat.id, role: "owner" }] });
      const kim = await post(backend, `/v1/organizations/${org.id}/invitations`, { email: "kim@acme.test", role: "member" });
      await root.members.addOrInvite({ organizationId: org.id, projectId: batch.id }, { email: "kim@acme.test", role: "member", externalId: declared("kim-batch#kim@acme.test") });
      const dee = (await root.invitations.list(org.id, { email: "dee@acme.test" })).data[0];
      const me = await root.myUserId();

      const found = await undeclaredAccess(root, scope, stack);
      assert.deepEqual(found.removable, [{ kind: "invitation", id: zed.id, who: "zed@acme.test", role: "admin", organizationId: org.id }]);
      assert.deepEqual(found.kept, [
        { kind: "member", id: me, who: "root@tenancy.test", role: "admin", organizationId: org.id, why: "it is the deployer's own" },
        { kind: "invitation", id: kim.id, who: "kim@acme.test", role: "member", organizationId: org.id, why: "it also carries a project grant this stack declares: declare the person in the organization too" },
      ]);
      const inChat = await undeclaredAccess(root, { organizationId: org.id, projectId: chat.id }, stack);
      assert.deepEqual(inChat.removable, [{ kind: "invitation", id: zed.id, who: "zed@acme.test", role: "owner", organizationId: org.id, projectId: chat.id }]);
      const inBatch = await undeclaredAccess(root, { organizationId: org.id, projectId: batch.id }, stack);
      assert.deepEqual(inBatch.removable, [{ kind: "invitation", id: dee.id, who: "dee@acme.test", role: "member", organizationId: org.id, projectId: batch.id }]);
      assert.equal(describeAccess(inBatch.removable[0]), `invitation of dee@acme.test (member of project ${batch.id}, pending)`);

      // tenancy drift over the organization and both projects finds the same, reading the pending invitations once.
      const counting = api(backend.url, backend.token);
      const list = counting.invitations.list.bind(counting.invitations);
      let reads = 0;
      counting.invitations.list = (...args: Parameters<typeof list>) => (reads++, list(...args));
      const urn = (type: string, name: string) => `${stack.prefix}pulumi-nodejs:dynamic/tenancy:${type}::${name}`;
      const state = [
        { urn: urn("Organization", "invitees"), type: "pulumi-nodejs:dynamic/tenancy:Organization", id: org.id, outputs: { name: "Invitees" } },
        ...[chat, batch].map((p) => ({ urn: urn("Project", p.name), type: "pulumi-nodejs:dynamic/tenancy:Project", id: p.id, outputs: { name: p.name, organizationId: org.id } })),
        ...["dee", "dee-chat", "kim-batch"].map((name) => ({ urn: urn("Membership", name), type: "pulumi-nodejs:dynamic/tenancy:Membership" })),
      ];
      const report = await driftReport(counting, "prod", state);
      assert.deepEqual(
        report.scopes.map((s) => s.undeclared),
        [found.removable, inChat.removable, inBatch.removable],
      );
      assert.equal(reads, 1, "one read of the organization's pending invitations (one page) for its three scopes");

      await retire(root, [...found.removable, ...inBatch.removable]);
      const after = await root.invitations.list(org.id, { status: "pending" });
      assert.deepEqual(
        after.data.map((i) => [i.email, i.projects.map((p) => p.projectId)]).sort(),
        [["dee@acme.test", [chat.id]], ["kim@acme.test", [batch.id]]],
        "zed's invitation is revoked; dee's keeps the declared grant of chat and loses the grant of batch made by hand",
      );
      assert.deepEqual((await undeclaredAccess(root, scope, stack)).removable, []);
      assert.deepEqual((await undeclaredAccess(root, { organizationId: org.id, projectId: batch.id }, stack)).removable, []);
      // An invitation accepted or revoked between the refresh and the up is left alone, with a warning, not an error.
      await retire(root, found.removable);

      // A co-admin may set any externalId, one that looks like this stack's included. A refresh, which
      // knows the stack's prefix but not its state, takes such an invitation for declared (the limit
      // memberships share, provider/access/stack.ts); tenancy drift, which has the state's URNs, does not.
      const { invitation: mal } = await root.members.addOrInvite(scope, { email: "mal@acme.test", role: "admin", externalId: declared("ghost#mal@acme.test") });
      assert.deepEqual((await undeclaredAccess(root, scope, stack)).removable, []);
      const forged = await driftReport(root, "prod", state);
      assert.deepEqual(forged.scopes[0].undeclared, [{ kind: "invitation", id: mal!.id, who: "mal@acme.test", role: "admin", organizationId: org.id }]);
      assert.equal(forged.drift, true);
    });

    it("never counts the last admin as removable, saying why", async () => {
      // The caller here is a viewer: every admin of the organization is undeclared, and one must stay.
      const org = await root.organizations.create({ name: "Lonely" });
      const viewer = await root.serviceAccounts.create(org.id, { name: "auditor", role: "viewer" });
      const { token } = await root.serviceAccounts.mintToken(org.id, viewer.userId, { name: "audit" });
      const client: TenancyClient = api(backend.url, token!);
      const found = await undeclaredAccess(client, { organizationId: org.id }, stack);
      assert.deepEqual(found.removable, []);
      assert.deepEqual(
        found.kept.map((k) => [k.kind, k.who, k.role, k.why]),
        [
          ["serviceAccount", "auditor", "viewer", "it is the deployer's own"],
          ["member", "root@tenancy.test", "admin", "it is the organization's last admin"],
        ],
      );
    });
  });
}
