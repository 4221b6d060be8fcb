import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tenancy from "../../provider";
import { TenancyClient } from "../../provider/client";
import { call, editStore, expectStatus, sqlQuery, useBackend } from "../backend/helpers";
import { Browser, IdentityProvider, signInAtProvider, useIdentityProvider } from "../support/identity-provider";
import { account, api, failure, TestStack, testStack } from "./support";

/**
 * A Membership of a person without an account is an invitation (issue 22 item 3), through the real
 * engine: create → invited (acceptUrl a secret); the person accepts → refresh → active with no
 * change left; revoked or expired outside the stack → refresh → drift → up sends a new one; a new
 * role → revoke and send anew; a create retried after a crash adopts its pending invitation;
 * destroy revokes.
 */
const ACCOUNTS = {
  ivy: { email: "ivy@invited.test", emailVerified: true, amr: ["pwd"] },
};

describe("a Membership of a person without an account, through the engine", function () {
  this.timeout(10 * 60 * 1000);
  const { env, provider } = useIdentityProvider(ACCOUNTS);
  const { backend } = useBackend({ env });
  let idp: IdentityProvider;
  let client: TenancyClient;
  let t: TestStack;
  let orgId = "";
  const want = { ivy: true, max: true, maxRole: "member" as "member" | "viewer", dee: "member" as "member" | "viewer" | undefined };

  const program = async () => {
    const org = new tenancy.Organization("acme", { name: "Invites" });
    new tenancy.Membership("root", { organizationId: org.id, email: backend.email, role: "admin" });
    const kit = new tenancy.Membership("kit", { organizationId: org.id, email: "kit@account.test", role: "member" });
    const lab = new tenancy.Project("lab", { organizationId: org.id, name: "lab", environment: "development" });
    const out: Record<string, unknown> = { orgId: org.id, labId: lab.id, kitStatus: kit.status, kitUser: kit.userId };
    if (want.ivy) {
      const ivy = new tenancy.Membership("ivy", { organizationId: org.id, email: ACCOUNTS.ivy.email, role: "member" });
      const ivyLab = new tenancy.Membership("ivy-lab", { organizationId: org.id, projectId: lab.id, email: ACCOUNTS.ivy.email, role: "owner" }, { dependsOn: [ivy] });
      Object.assign(out, { ivyStatus: ivy.status, ivyUrl: ivy.acceptUrl, ivyInvitation: ivy.invitationId, ivyUser: ivy.userId, ivyLabStatus: ivyLab.status, ivyLabInvitation: ivyLab.invitationId });
    }
    if (want.max) {
      const max = new tenancy.Membership("max", { organizationId: org.id, email: "max@invited.test", role: want.maxRole });
      new tenancy.Membership("max-lab", { organizationId: org.id, projectId: lab.id, email: "max@invited.test", role: "member" }, { dependsOn: [max] });
      Object.assign(out, { maxStatus: max.status, maxUrl: max.acceptUrl, maxInvitation: max.invitationId });
    }
    if (want.dee) {
      const dee = new tenancy.Membership("dee", { organizationId: org.id, email: "dee@invited.test", role: want.dee });
      Object.assign(out, { deeStatus: dee.status, deeInvitation: dee.invitationId });
    }
    return out;
  };

  before(async () => {
    idp = provider();
    client = api(backend.url, backend.token);
    await account(backend, "kit@account.test");
    t = await testStack({ endpoint: backend.url, token: backend.token, program });
  });
  after(async () => {
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
  });

  /** The person signs in with `tenancy login`'s device grant and accepts with the code of the link the stack handed out. */
  async function accept(as: keyof typeof ACCOUNTS, acceptUrl: string): Promise<void> {
    const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: ACCOUNTS[as].email } }), 200);
    const { browser, callback } = await signInAtProvider(new Browser(), device, as, idp.issuer, backend.url);
    assert.equal((await browser.request(callback)).status, 200);
    const token = expectStatus(await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } }), 200).token;
    const url = new URL(acceptUrl);
    expectStatus(await call(backend.url, "POST", url.pathname + url.search, token), 200);
  }

  const invitation = (id: string) => client.invitations.get(orgId, id);
  /** A resource's outputs as refresh left them in the state (the stack's outputs change only on up). */
  async function stateOf(name: string): Promise<Record<string, unknown>> {
    const resources: { urn: string; outputs: Record<string, unknown> }[] = (await t.stack.exportStack()).deployment.resources;
    return resources.find((r) => r.urn.endsWith(`::${name}`))!.outputs;
  }

  it("invites a person without an account: status invited, the project membership folded into the invitation, acceptUrl a secret kept out of state in clear", async () => {
    const up = await t.stack.up();
    orgId = up.outputs.orgId.value;
    const o = up.outputs;
    assert.deepEqual([o.ivyStatus.value, o.ivyLabStatus.value, o.maxStatus.value, o.deeStatus.value], ["invited", "invited", "invited", "invited"]);
    assert.equal(o.ivyUser, undefined, "an invited person has no user yet");
    assert.equal(o.kitStatus.value, "active", "a person with an account is a member at once");
    assert.match(o.kitUser.value, /^user_/);
    assert.equal(o.ivyLabInvitation.value, o.ivyInvitation.value);
    assert.equal(o.ivyUrl.secret, true);
    assert.match(o.ivyUrl.value, new RegExp(`/v1/invitations/${o.ivyInvitation.value}/accept\\?code=tiv_`));
    const sent = await invitation(o.ivyInvitation.value);
    assert.deepEqual([sent.status, sent.role], ["pending", "member"]);
    assert.deepEqual(sent.projects.map((p) => [p.projectId, p.role]), [[o.labId.value, "owner"]]);
    const state = rawState(t);
    assert.ok(!state.includes(o.ivyUrl.value) && !state.includes(new URL(o.ivyUrl.value).searchParams.get("code")!), "the acceptUrl is in the state in clear");
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 10 });
  });

  it("sees the acceptance on refresh: active with its user, and no change left to make", async () => {
    const { ivyUrl } = await t.stack.outputs();
    await accept("ivy", ivyUrl.value);
    const refresh = await t.stack.refresh();
    assert.equal(refresh.summary.result, "succeeded");
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 10 });
    const o = up.outputs;
    assert.deepEqual([o.ivyStatus.value, o.ivyLabStatus.value], ["active", "active"]);
    assert.match(o.ivyUser.value, /^user_/);
    assert.equal(o.ivyUrl, undefined, "the spent link is dropped from the state");
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 10 });
    const lab = (await client.members.list({ organizationId: orgId, projectId: o.labId.value }, { email: ACCOUNTS.ivy.email })).data;
    assert.deepEqual(lab.map((m) => [m.email, m.role]), [[ACCOUNTS.ivy.email, "owner"]]);
  });

  it("takes an invitation revoked outside the stack for drift, and the next up sends a new one that keeps its project grant", async () => {
    const before = (await t.stack.outputs()).maxInvitation.value;
    await client.invitations.revoke(orgId, before);
    await t.stack.refresh();
    assert.equal((await stateOf("max")).status, "revoked");
    const preview = await t.stack.preview();
    assert.equal(preview.changeSummary.update, 2, JSON.stringify(preview.changeSummary));
    assert.match(preview.stderr + preview.stdout, /max@invited\.test's invitation inv_\w+ is revoked: this update sends a new invitation/);
    const up = await t.stack.up();
    assert.equal(up.outputs.maxStatus.value, "invited");
    assert.notEqual(up.outputs.maxInvitation.value, before);
    assert.match(up.outputs.maxUrl.value, new RegExp(`/v1/invitations/${up.outputs.maxInvitation.value}/accept`));
    const sent = await invitation(up.outputs.maxInvitation.value);
    assert.equal(sent.status, "pending");
    assert.deepEqual(sent.projects.map((p) => [p.projectId, p.role]), [[up.outputs.labId.value, "member"]]);
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 10 });
  });

  it("takes an expired invitation for drift, and the next up sends a new one", async () => {
    const before = (await t.stack.outputs()).maxInvitation.value;
    await editStore(backend, "UPDATE invitations SET expires_at = $1 WHERE id = $2", ["2020-01-01T00:00:00.000Z", before]);
    await t.stack.refresh();
    assert.equal((await stateOf("max")).status, "expired");
    const up = await t.stack.up();
    assert.equal(up.outputs.maxStatus.value, "invited");
    assert.notEqual(up.outputs.maxInvitation.value, before);
    assert.equal((await invitation(up.outputs.maxInvitation.value)).status, "pending");
  });

  it("sends a new invitation for a new role of an invited person, revoking the old one", async () => {
    const before = (await t.stack.outputs()).maxInvitation.value;
    want.maxRole = "viewer";
    const preview = await t.stack.preview();
    assert.match(preview.stderr + preview.stdout, /max@invited\.test is invited as member: the role viewer revokes invitation inv_\w+ and sends a new one/);
    const up = await t.stack.up();
    assert.notEqual(up.outputs.maxInvitation.value, before);
    assert.equal((await invitation(before)).status, "revoked");
    const sent = await invitation(up.outputs.maxInvitation.value);
    assert.deepEqual([sent.status, sent.role], ["pending", "viewer"]);
  });

  it("adopts the pending invitation a lost create sent, and refuses one of another role with a clear error", async () => {
    const dee = (await t.stack.outputs()).deeInvitation.value;
    // As if the engine had lost the create: the invitation exists, the state does not hold it.
    want.dee = undefined;
    await t.stack.up();
    assert.equal((await invitation(dee)).status, "revoked", "removing an invited Membership revokes its invitation");
    const lost = expectStatus(await call(backend.url, "POST", `/v1/organizations/${orgId}/members`, backend.token, { body: { email: "dee@invited.test", role: "member" } }), 202);
    want.dee = "viewer";
    assert.match(await failure(t.stack.up()), /dee@invited\.test already has a pending invitation \(inv_\w+\) to organization org_\w+ as member, not viewer; declare role member, or revoke it/);
    want.dee = "member";
    const up = await t.stack.up();
    assert.equal(up.outputs.deeInvitation.value, lost.id);
    assert.equal(up.outputs.deeStatus.value, "invited");
  });

  it("revokes the invitations and withdraws the project grants on destroy", async () => {
    const { maxInvitation, deeInvitation } = await t.stack.outputs();
    want.max = false;
    await t.stack.up();
    const withdrawn = await invitation(maxInvitation.value);
    assert.deepEqual([withdrawn.status, withdrawn.projects], ["revoked", []], "the project grant is withdrawn, then the invitation revoked");
    await t.stack.destroy();
    assert.deepEqual(await sqlQuery(backend, "SELECT status FROM invitations WHERE id = $1", [deeInvitation.value]), [{ status: "revoked" }]);
  });
});

/** The stack's state file as the engine wrote it (not `stack export --show-secrets`). */
function rawState(t: TestStack): string {
  const dir = join(t.dir, "state", ".pulumi", "stacks", "tenancy-test");
  return readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".json"))!), "utf8");
}
