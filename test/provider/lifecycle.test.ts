import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tenancy from "../../provider";
import { TenancyClient } from "../../provider/client";
import { Backend } from "../support/backend";
import { TestStack, useDeployment } from "./support";

/**
 * One layout through its whole life with the real engine and backend: create, no-op, in-place
 * updates, replacements (a membership moved, a key rotated), drift, destroy and re-create.
 */
describe("a tenancy layout deployed with the Pulumi engine", function () {
  this.timeout(10 * 60 * 1000);

  let backend: Backend;
  let t: TestStack;
  let client: TenancyClient;
  const want = { anaRole: "admin", devDescription: "day-to-day work", benProject: "dev", quarter: "2026-Q3" };
  let orgId = "";

  const program = async () => {
    const org = new tenancy.Organization("acme", { name: "Acme", billing: { plan: "team", billingEmail: "ap@acme.test" } });
    const root = new tenancy.Membership("root", { organizationId: org.id, email: backend.email, role: "admin" });
    const ana = new tenancy.Membership("ana", { organizationId: org.id, email: "ana@acme.test", role: want.anaRole as "admin" });
    const ben = new tenancy.Membership("ben", { organizationId: org.id, email: "ben@acme.test", role: "member" });
    const dev = new tenancy.Project("dev", { organizationId: org.id, name: "chat-dev", environment: "development", description: want.devDescription });
    const staging = new tenancy.Project("staging", { organizationId: org.id, name: "chat-staging", environment: "staging" });
    const anaDev = new tenancy.Membership("ana-dev", { organizationId: org.id, projectId: dev.id, email: "ana@acme.test", role: "owner" }, { dependsOn: [ana] });
    new tenancy.Membership(
      "ben-project",
      { organizationId: org.id, projectId: want.benProject === "dev" ? dev.id : staging.id, email: "ben@acme.test", role: "member" },
      { dependsOn: [ben] },
    );
    const key = new tenancy.ApiKey(
      "dev-backend",
      { projectId: dev.id, name: "backend", owner: "ana@acme.test", expiresInDays: 90, rotationTriggers: { quarter: want.quarter } },
      { dependsOn: [anaDev] },
    );
    return { orgId: org.id, devId: dev.id, stagingId: staging.id, keyId: key.id, secret: key.secret, redacted: key.redactedValue, root: root.id };
  };

  const deployment = useDeployment(program, ["ana@acme.test", "ben@acme.test"]);
  before(() => ({ backend, t, client } = deployment));

  const keysOf = async (projectId: string) => (await client.apiKeys.list(orgId, projectId, {})).data;

  it("previews and creates the layout, then previews, refreshes and previews again with no changes", async () => {
    // Before anything exists, ids are not known yet: check lets them through.
    const first = await t.stack.preview({ diff: true });
    assert.deepEqual(first.changeSummary, { create: 10 });
    const up = await t.stack.up({ diff: true });
    assert.deepEqual(up.summary.resourceChanges, { create: 10 });
    orgId = up.outputs.orgId.value;
    assert.equal(up.outputs.secret.secret, true);
    assert.match(up.outputs.redacted.value, /…/);
    const again = await t.stack.preview({ diff: true });
    assert.deepEqual(again.changeSummary, { same: 10 });
    const refresh = await t.stack.refresh();
    assert.deepEqual(refresh.summary.resourceChanges, { same: 10 });
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 10 });
    for (const log of [first.stdout, first.stderr, up.stdout, up.stderr, again.stdout, refresh.stdout, refresh.stderr]) {
      assert.ok(!log.includes(up.outputs.secret.value) && !log.includes(backend.token), "a secret or the token is in the engine's output");
    }
    // The API never shows a secret again: refresh keeps it from state, still a secret.
    const { secret } = await t.stack.outputs();
    assert.deepEqual([secret.value, secret.secret], [up.outputs.secret.value, true]);
  });

  it("keeps every key secret and token out of the state in clear, and marks ApiKey.secret secret", async () => {
    const outputs = await t.stack.outputs();
    const state = rawState(t);
    assert.ok(!state.includes(outputs.secret.value), "the key secret is in the state in clear");
    assert.ok(!state.includes(backend.token), "the token is in the state in clear");
    const resources: StateResource[] = JSON.parse(state).checkpoint.latest.resources;
    const key = resources.find((r) => r.type.endsWith(":ApiKey"))!;
    assert.equal((key.outputs.secret as Record<string, string>)["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
    assert.deepEqual(key.additionalSecretOutputs, ["secret"]);
    const sizes = resources.filter((r) => r.type.includes("tenancy:")).map((r) => `${r.type.split(":").pop()} ${JSON.stringify(r).length}`);
    console.log(`      state bytes per resource (__provider ${String(key.outputs.__provider).length} each, twice): ${sizes.join(", ")}`);
  });

  it("previews an in-place update and replacements before changing anything, and rotates a key without a gap", async () => {
    const before = await t.stack.outputs();
    Object.assign(want, { anaRole: "billing", devDescription: "experiments", benProject: "staging", quarter: "2026-Q4" });
    const steps: string[] = [];
    const preview = await t.stack.preview({
      onEvent: (e) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && m.op !== "same") steps.push(`${m.op} ${m.urn.split("::").pop()}${m.keys?.length ? ` ${m.keys.join(",")}` : ""}`);
      },
    });
    assert.deepEqual(preview.changeSummary, { same: 6, update: 2, replace: 2 });
    assert.deepEqual([...steps].sort(), [
      "create-replacement ben-project projectId",
      "create-replacement dev-backend rotationTriggers",
      "delete-replaced ben-project",
      "delete-replaced dev-backend",
      "replace ben-project projectId",
      "replace dev-backend rotationTriggers",
      "update ana",
      "update dev",
    ]);
    assert.ok(steps.indexOf("create-replacement dev-backend rotationTriggers") < steps.indexOf("delete-replaced dev-backend"));
    const untouched = await keysOf(before.devId.value);
    assert.deepEqual(untouched.map((k) => [k.id, k.status]), [[before.keyId.value, "active"]]);

    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 6, update: 2, replace: 2 });
    const after = up.outputs;
    assert.notEqual(after.keyId.value, before.keyId.value);
    assert.notEqual(after.secret.value, before.secret.value);
    const keys = await keysOf(before.devId.value);
    // The old key keeps working for the default overlap, 24 hours: its expiry is brought forward.
    assert.deepEqual(keys.map((k) => [k.id, k.status]).sort(), [[before.keyId.value, "active"], [after.keyId.value, "active"]].sort());
    const retired = keys.find((k) => k.id === before.keyId.value)!;
    const overlap = (Date.parse(retired.expiresAt!) - Date.parse(retired.updatedAt)) / 3_600_000;
    assert.ok(Math.abs(overlap - 24) < 0.001, `the overlap is ${overlap} hours`);
    // The audit log is in commit order: the new key existed before the old one's overlap began.
    const events = (await audit(backend, orgId)).filter((e) => e.action.startsWith("api_key."));
    const created = events.findIndex((e) => e.action === "api_key.created" && e.target.id === after.keyId.value);
    const retiring = events.findIndex((e) => e.action === "api_key.updated" && e.target.id === before.keyId.value);
    assert.ok(created >= 0 && retiring > created, `expected the new key before the old one's overlap: ${JSON.stringify(events)}`);
    const ana = (await client.members.list({ organizationId: orgId }, { email: "ana@acme.test" })).data[0];
    assert.equal(ana.role, "billing");
    assert.equal((await client.projects.get(orgId, before.devId.value)).description, "experiments");
    assert.deepEqual((await client.members.list({ organizationId: orgId, projectId: before.devId.value }, { email: "ben@acme.test" })).data, []);
    assert.equal((await client.members.list({ organizationId: orgId, projectId: before.stagingId.value }, { email: "ben@acme.test" })).data[0].role, "member");
  });

  it("finds a key revoked, a role changed and a description cleared out of band on refresh, and up restores all three", async () => {
    const outs = await t.stack.outputs();
    await client.apiKeys.revoke(orgId, outs.devId.value, outs.keyId.value);
    const ana = (await client.members.list({ organizationId: orgId }, { email: "ana@acme.test" })).data[0];
    await client.members.setRole({ organizationId: orgId }, ana.userId, "member");
    // A cleared optional field is absent from the API's answer: refresh must take that for drift.
    await client.projects.update(orgId, outs.devId.value, { description: null });

    const refresh = await t.stack.refresh();
    assert.deepEqual(refresh.summary.resourceChanges, { same: 7, update: 2, delete: 1 });
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 7, update: 2, create: 1 });
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 7, update: 2, create: 1 });
    assert.equal((await client.members.get({ organizationId: orgId }, ana.userId)).role, "billing");
    assert.equal((await client.projects.get(orgId, outs.devId.value)).description, want.devDescription);
    assert.equal((await client.apiKeys.get(orgId, outs.devId.value, up.outputs.keyId.value)).status, "active");
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 10 });
  });

  it("drops a project archived out of band on refresh, with its membership, and up recreates both", async () => {
    const outs = await t.stack.outputs();
    await client.projects.archive(orgId, outs.stagingId.value);

    const refresh = await t.stack.refresh();
    assert.deepEqual(refresh.summary.resourceChanges, { same: 8, delete: 2 });
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 8, create: 2 });
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 8, create: 2 });
    assert.notEqual(up.outputs.stagingId.value, outs.stagingId.value);
    const staging = await client.projects.get(orgId, up.outputs.stagingId.value);
    assert.equal(staging.name, "chat-staging");
    const members = (await client.members.list({ organizationId: orgId, projectId: staging.id }, {})).data;
    assert.deepEqual(members.map((m) => [m.email, m.role]), [["ben@acme.test", "member"]]);
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 10 });
  });

  it("destroys everything, archiving the projects and passing over what is already gone, and a second up with the same names works", async () => {
    const outs = await t.stack.outputs();
    // Gone out of band, and no refresh: deleting what is already missing succeeds.
    const ben = (await client.members.list({ organizationId: orgId, projectId: outs.stagingId.value }, { email: "ben@acme.test" })).data[0];
    await client.members.remove({ organizationId: orgId, projectId: outs.stagingId.value }, ben.userId);
    const destroy = await t.stack.destroy();
    assert.deepEqual(destroy.summary.resourceChanges, { delete: 10 });
    assert.match(destroy.stdout, /kept root@tenancy\.test's admin membership/);
    // The organization's deletion is refused while active projects remain: its success proves them archived.
    await assert.rejects(client.organizations.get(orgId), { code: "not_found" });
    assert.equal((await client.projects.getById(outs.devId.value).catch((e) => e.code)), "not_found");

    const again = await t.stack.up();
    assert.deepEqual(again.summary.resourceChanges, { create: 10 });
    assert.notEqual(again.outputs.orgId.value, orgId);
    assert.deepEqual((await client.organizations.list({})).data.map((o) => o.name), ["Acme"]);
  });
});

interface StateResource {
  type: string;
  outputs: Record<string, unknown>;
  additionalSecretOutputs?: string[];
}

/** The stack's state file as the engine wrote it (not `stack export --show-secrets`). */
function rawState(t: TestStack): string {
  const dir = join(t.dir, "state", ".pulumi", "stacks", "tenancy-test");
  return readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".json"))!), "utf8");
}

interface AuditRow {
  action: string;
  target: { id: string };
}

async function audit(backend: Backend, orgId: string): Promise<AuditRow[]> {
  const res = await fetch(`${backend.url}/v1/organizations/${orgId}/audit-events?limit=100`, { headers: { authorization: `Bearer ${backend.token}` } });
  return ((await res.json()) as { data: AuditRow[] }).data;
}

