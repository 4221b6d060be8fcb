import assert from "node:assert/strict";
import type { dynamic } from "@pulumi/pulumi";
import { apiKeyImplementation } from "../../provider/api-key";
import { mergePatch, UNKNOWN } from "../../provider/inputs";
import { membershipImplementation } from "../../provider/membership";
import { organizationImplementation } from "../../provider/organization";
import { projectImplementation } from "../../provider/project";

/**
 * check and diff of each resource, without an engine or a backend (they call neither). Typed as
 * the engine calls them, with property bags of any shape: these tests feed them invalid ones.
 */
const untyped = (p: object) => p as dynamic.ResourceProvider;
const org = untyped(organizationImplementation({}));
const project = untyped(projectImplementation({}));
const member = untyped(membershipImplementation({}));
const key = untyped(apiKeyImplementation({}));
const ORG = "org_AAAAAAAAAAAA";
const PROJ = "proj_BBBBBBBBBBBB";
const PROJ2 = "proj_CCCCCCCCCCCC";
const URN = "urn:pulumi:dev::app::pulumi-nodejs:dynamic/tenancy:Project::chat";

describe("provider check", () => {
  it("names every invalid property of a project", async () => {
    const result = await project.check!({}, { organizationId: "nope", name: "", environment: "production", workload: "video", colour: "red", externalId: URN });
    assert.deepEqual(result.failures, [
      { property: "organizationId", reason: "must be a org_… id" },
      { property: "name", reason: "must not be empty" },
      { property: "workload", reason: 'invalid option: expected one of "chat"|"extraction"|"media_generation"|"batch"|"other"' },
      {
        property: "colour",
        reason:
          'unknown field "colour"; valid ones are organizationId, adopt, exclusiveAccess, name, environment, team, workload, owner, keyOwner, escalationContact, expectedMonthlySpendUsd, description, labels, limits',
      },
    ]);
  });

  it("names each field of the launch checklist a production project is missing", async () => {
    const result = await project.check!({}, { organizationId: ORG, name: "chat", environment: "production", owner: "ben@acme.test" });
    assert.deepEqual(result.failures, [
      { property: "keyOwner", reason: "is required for a production project (launch checklist)" },
      { property: "escalationContact", reason: "is required for a production project (launch checklist)" },
      { property: "expectedMonthlySpendUsd", reason: "is required for a production project (launch checklist)" },
    ]);
  });

  it("lets values not known during a preview through", async () => {
    const result = await key.check!({}, { projectId: UNKNOWN, name: "backend", owner: UNKNOWN, rotationTriggers: { q: UNKNOWN } });
    assert.deepEqual(result.failures, []);
  });

  it("normalises and fills defaults, so state and diffs compare like with like", async () => {
    const result = await member.check!({}, { organizationId: ORG, email: " Ana@Acme.TEST ", role: "admin", __provider: "stub" });
    assert.deepEqual(result, { inputs: { organizationId: ORG, email: "ana@acme.test", role: "admin" }, failures: [] });
    const k = await key.check!({}, { projectId: PROJ, name: "ci", owner: "ben@acme.test" });
    assert.deepEqual(k.inputs, { projectId: PROJ, name: "ci", owner: "ben@acme.test", permissions: "all" });
  });

  it("checks a membership's role against its scope", async () => {
    const orgScope = await member.check!({}, { organizationId: ORG, email: "a@b.test", role: "owner" });
    assert.deepEqual(orgScope.failures, [{ property: "role", reason: 'invalid option: expected one of "admin"|"billing"|"member"|"viewer"' }]);
    const projectScope = await member.check!({}, { organizationId: ORG, projectId: PROJ, email: "a@b.test", role: "admin" });
    assert.deepEqual(projectScope.failures, [{ property: "role", reason: 'invalid option: expected one of "owner"|"member"|"viewer"' }]);
  });

  it("names invalid nested organization fields by their path", async () => {
    const result = await org.check!({}, { name: "Acme", billing: { plan: "gold" }, securityPolicy: { ipAllowlist: ["10.0.0.0/33"] } });
    assert.deepEqual(
      result.failures!.map((f) => f.property),
      ["billing.plan", "securityPolicy.ipAllowlist[0]"],
    );
  });
});

describe("provider diff", () => {
  const base = { organizationId: ORG, name: "chat", environment: "development", labels: {}, limits: {}, externalId: URN };

  it("reports no change for equal inputs, whatever the key order or server-only fields", async () => {
    const olds = { ...base, id: PROJ, status: "active", version: 3, labels: {}, __provider: "old" };
    assert.deepEqual(await project.diff!(PROJ, olds, { ...base, __provider: "new" }), { changes: false, replaces: [], changed: [] });
  });

  it("updates a project in place, and replaces it only for another organization", async () => {
    assert.deepEqual(await project.diff!(PROJ, base, { ...base, description: "x", adopt: true }), { changes: true, replaces: [], changed: ["description"] });
    const moved = await project.diff!(PROJ, base, { ...base, organizationId: "org_ZZZZZZZZZZZZ" });
    assert.deepEqual(moved.replaces, ["organizationId"]);
  });

  it("replaces a membership for another scope or email, and updates its role in place", async () => {
    const m = { organizationId: ORG, projectId: PROJ, email: "a@b.test", role: "member" };
    assert.deepEqual((await member.diff!("x", m, { ...m, role: "owner" })).replaces, []);
    assert.deepEqual((await member.diff!("x", m, { ...m, projectId: PROJ2, email: "c@b.test" })).replaces, ["projectId", "email"]);
    assert.deepEqual((await member.diff!("x", m, { ...m, projectId: undefined })).replaces, ["projectId"]);
  });

  it("renames a key in place and rotates it, new before old, for any other change", async () => {
    const k = { projectId: PROJ, name: "ci", owner: "a@b.test", permissions: "all", rotationTriggers: { q: "1" } };
    assert.deepEqual(await key.diff!("k", k, { ...k, name: "deploy" }), { changes: true, replaces: [], changed: ["name"], deleteBeforeReplace: false });
    const rotated = await key.diff!("k", k, { ...k, rotationTriggers: { q: "2" }, permissions: "read_only", expiresInDays: 30 });
    assert.deepEqual(rotated, {
      changes: true,
      replaces: ["rotationTriggers", "permissions", "expiresInDays"],
      changed: ["rotationTriggers", "permissions", "expiresInDays"],
      deleteBeforeReplace: false,
    });
  });

  it("treats a value not known yet as a change, and ignores fields a preview has not filled", async () => {
    const olds = { ...base, labels: { a: "b" } };
    const news = { organizationId: UNKNOWN, name: "chat", environment: "development" };
    assert.deepEqual(await project.diff!(PROJ, olds, news), { changes: true, replaces: ["organizationId"], changed: ["organizationId"] });
  });
});

describe("merge patches", () => {
  it("clears what the new inputs dropped, at any depth, and sends only what changed", () => {
    const from = { description: "x", billing: { plan: "team", billingEmail: "a@b.test", financeContacts: ["c@b.test"] }, labels: { a: "1" } };
    const to = { billing: { plan: "team", financeContacts: [] }, labels: { a: "1" } };
    assert.deepEqual(mergePatch(from, to), { description: null, billing: { billingEmail: null, financeContacts: [] } });
  });
});
