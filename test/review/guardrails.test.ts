import assert from "node:assert/strict";
import { buildModel, evaluate, ResourceInput } from "../../provider/guardrails";
import { tenancyProvider as provider } from "./support";

/**
 * Each guardrail on a small layout built the way a preview describes it (type, URN, inputs, the
 * URNs the inputs came from): the finding it reports, word for word, and silence on a good layout.
 */

const T = "pulumi-nodejs:dynamic/tenancy:";
const urn = (type: string, name: string) => `urn:pulumi:dev::app::${T}${type}::${name}`;
const ORG = urn("Organization", "acme");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function org(settings: Record<string, unknown> = {}): ResourceInput {
  return { urn: ORG, type: `${T}Organization`, props: { name: "Acme", settings }, provider: provider("Organization") };
}
function project(name: string, props: Record<string, unknown>): ResourceInput {
  return { urn: urn("Project", name), type: `${T}Project`, props: { name, organizationId: UNKNOWN, ...props }, propertyDependencies: { organizationId: [ORG] }, provider: provider("Project") };
}
function member(email: string, role: string, projectName?: string): ResourceInput {
  const deps: Record<string, string[]> = { organizationId: [ORG] };
  if (projectName) deps.projectId = [urn("Project", projectName)];
  return { urn: urn("Membership", `${projectName ?? "org"}:${email}`), type: `${T}Membership`, props: { organizationId: UNKNOWN, ...(projectName ? { projectId: UNKNOWN } : {}), email, role }, propertyDependencies: deps, provider: provider("Membership") };
}
function key(projectName: string, name: string, props: Record<string, unknown>): ResourceInput {
  return { urn: urn("ApiKey", `${projectName}:${name}`), type: `${T}ApiKey`, props: { projectId: UNKNOWN, name, ...props }, propertyDependencies: { projectId: [urn("Project", projectName)] }, provider: provider("ApiKey") };
}

const PROD = { environment: "production", owner: "ben@acme.test", keyOwner: "ben@acme.test", escalationContact: "oncall@acme.test", expectedMonthlySpendUsd: 100, limits: { requestsPerMinute: 10, monthlyBudgetUsd: 100 } };
const good = (): ResourceInput[] => [
  org({ apiKeyMaxLifetimeDays: 90 }),
  member("ana@acme.test", "admin"),
  member("ben@acme.test", "member"),
  project("chat-prod", { ...PROD, team: "chat" }),
  member("ben@acme.test", "owner", "chat-prod"),
  key("chat-prod", "backend", { owner: "ben@acme.test", expiresInDays: 30 }),
];
const findings = (resources: ResourceInput[]) => evaluate(buildModel(resources)).map(({ rule, severity, subject, message }) => ({ rule, severity, subject, message }));

describe("guardrails", () => {
  it("find nothing in a good layout", () => assert.deepEqual(findings(good()), []));

  it("key-owner-not-member: a key whose owner is not a member of its project", () => {
    const layout = [...good(), key("chat-prod", "batch", { owner: "eve@acme.test", expiresInDays: 30 })];
    assert.deepEqual(findings(layout).filter((f) => f.rule === "key-owner-not-member"), [
      { rule: "key-owner-not-member", severity: "mandatory", subject: "key chat-prod/batch", message: "key batch is owned by eve@acme.test, who is not a member of project chat-prod" },
    ]);
  });

  it("shared-production-key: one person's keys across teams' production projects, and a key held by someone other than the key owner", () => {
    const layout = [
      ...good(),
      project("search-prod", { ...PROD, team: "search" }),
      member("ben@acme.test", "owner", "search-prod"),
      member("ana@acme.test", "member", "search-prod"),
      key("search-prod", "backend", { owner: "ben@acme.test", expiresInDays: 30 }),
      key("search-prod", "indexer", { owner: "ana@acme.test", expiresInDays: 30 }),
    ];
    assert.deepEqual(findings(layout), [
      { rule: "shared-production-key", severity: "mandatory", subject: "key owner ben@acme.test", message: "ben@acme.test owns the production keys of chat-prod, search-prod (2 teams): one person's keys serve every team" },
      { rule: "shared-production-key", severity: "mandatory", subject: "key search-prod/indexer", message: "production key indexer is owned by ana@acme.test, but project search-prod names ben@acme.test as its key owner" },
    ]);
  });

  it("dev-and-prod-mixed, owner-without-membership and the production launch checklist", () => {
    const layout = [
      org(),
      member("ana@acme.test", "admin"),
      project("chat-sandbox", { ...PROD, escalationContact: undefined, limits: {} }),
      key("chat-sandbox", "test-key", { owner: "ana@acme.test" }),
      member("ana@acme.test", "member", "chat-sandbox"),
    ];
    assert.deepEqual(findings(layout), [
      { rule: "dev-and-prod-mixed", severity: "mandatory", subject: "key chat-sandbox/test-key", message: "production project chat-sandbox has a development key test-key" },
      { rule: "dev-and-prod-mixed", severity: "mandatory", subject: "project chat-sandbox", message: "production project chat-sandbox is named or labelled for development work" },
      { rule: "owner-without-membership", severity: "mandatory", subject: "project chat-sandbox", message: "project chat-sandbox names ben@acme.test as its owner, but ben@acme.test holds no owner membership of it" },
      { rule: "production-launch-checklist", severity: "mandatory", subject: "key chat-sandbox/test-key", message: "production key test-key never expires" },
      { rule: "production-launch-checklist", severity: "mandatory", subject: "project chat-sandbox", message: "production project chat-sandbox has no rate limits, no monthly budget, no escalation contact" },
      { rule: "shared-production-key", severity: "mandatory", subject: "key chat-sandbox/test-key", message: "production key test-key is owned by ana@acme.test, but project chat-sandbox names ben@acme.test as its key owner" },
    ]);
  });

  it("too-many-admins: by count and by share, both configurable; service accounts count", () => {
    const sa: ResourceInput = { urn: urn("ServiceAccount", "ci"), type: `${T}ServiceAccount`, props: { organizationId: UNKNOWN, name: "ci", role: "admin" }, propertyDependencies: { organizationId: [ORG] }, provider: provider("ServiceAccount") };
    const layout = [org(), member("a@acme.test", "admin"), member("b@acme.test", "admin"), member("c@acme.test", "member"), sa];
    const model = buildModel(layout);
    assert.deepEqual(evaluate(model, {}, ["too-many-admins"]).map((f) => f.message), [
      "3 of 4 members are admins (a@acme.test, b@acme.test, service account ci); the limit is 3 admins or 50% of members",
    ]);
    assert.deepEqual(evaluate(model, { maxAdminShare: 0.75 }, ["too-many-admins"]), []);
    assert.equal(evaluate(model, { maxAdmins: 2, maxAdminShare: 1 }, ["too-many-admins"]).length, 1);
  });

  it("too-many-admins: viewers are not admins", () => {
    const layout = [org(), member("a@acme.test", "admin"), member("b@acme.test", "viewer"), member("c@acme.test", "viewer")];
    assert.deepEqual(evaluate(buildModel(layout), { maxAdmins: 1, maxAdminShare: 0.5 }, ["too-many-admins"]), []);
  });
});

describe("which resources are tenancy's", () => {
  const ana = member("ana@acme.test", "admin");
  const unreviewed = (resources: ResourceInput[]) => buildModel(resources).unreviewed.map((u) => `${u.name}: ${u.reason}`);

  it("reads a resource as tenancy's only when its type and its provider are tenancy's, for the same kind", () => {
    const asProject = { ...ana, provider: provider("Project") };
    const bare = { ...ana, urn: "urn:pulumi:dev::app::pulumi-nodejs:dynamic:Resource::bare", type: "pulumi-nodejs:dynamic:Resource" };
    const component = { ...ana, urn: urn("Membership", "fake"), provider: undefined };
    const lookalike = { ...component, urn: "urn:pulumi:dev::app::pulumi-nodejs:dynamic/ten\u0430ncy:Membership::l", type: "pulumi-nodejs:dynamic/ten\u0430ncy:Membership" };
    const model = buildModel([org(), ana, asProject, bare, component, lookalike]);
    assert.deepEqual(model.memberships.map((m) => m.email), ["ana@acme.test"]);
    assert.deepEqual(unreviewed([org(), asProject, bare, component, lookalike]), [
      "org:ana@acme.test: its provider is not tenancy's Membership provider (tenancy's Project provider)",
      "bare: it runs tenancy's Membership provider under the type pulumi-nodejs:dynamic:Resource",
      "fake: its type claims tenancy's Membership, but its provider is not tenancy's",
      "l: its type pulumi-nodejs:dynamic/ten\u0430ncy:Membership imitates tenancy's",
    ]);
  });

  it("where the provider's code cannot be seen (a policy pack), trusts tenancy's type on a custom resource only", () => {
    const pack = (r: ResourceInput, custom: boolean): ResourceInput => ({ ...r, provider: undefined, custom });
    const bare = { ...ana, urn: "urn:pulumi:dev::app::pulumi-nodejs:dynamic:Resource::bare", type: "pulumi-nodejs:dynamic:Resource" };
    const model = buildModel([pack(org(), true), pack(ana, true)]);
    assert.deepEqual(model.memberships.map((m) => m.email), ["ana@acme.test"]);
    assert.deepEqual(unreviewed([pack(org(), true), pack({ ...ana, urn: urn("Membership", "fake") }, false), pack(bare, true)]), [
      "fake: its type claims tenancy's Membership, but it is a component, run by no provider",
      "bare: it is a dynamic resource with tenancy's inputs (organizationId) under the type pulumi-nodejs:dynamic:Resource",
    ]);
  });

  it("reports each as a mandatory unreviewed-access finding", () => {
    const fake = { ...ana, urn: urn("Membership", "fake"), provider: undefined };
    assert.deepEqual(findings([...good(), fake]), [
      { rule: "unreviewed-access", severity: "mandatory", subject: "resource fake", message: "a resource can change access without being reviewed: fake (pulumi-nodejs:dynamic/tenancy:Membership), because its type claims tenancy's Membership, but its provider is not tenancy's" },
    ]);
  });
});

describe("guardrails compare what the backend compares", () => {
  it("shared-production-key: emails case-folded (cleo@ and CLEO@ are one person)", () => {
    const layout = [
      ...good(),
      project("search-prod", { ...PROD, team: "search", keyOwner: "CLEO@acme.test" }),
      member("cleo@acme.test", "owner", "search-prod"),
      member("ben@acme.test", "owner", "search-prod"),
      key("search-prod", "backend", { owner: "cleo@acme.test", expiresInDays: 30 }),
      project("mail-prod", { ...PROD, team: "mail", owner: "cleo@acme.test", keyOwner: "cleo@acme.test" }),
      member("CLEO@acme.test", "owner", "mail-prod"),
      key("mail-prod", "backend", { owner: "Cleo@Acme.test", expiresInDays: 30 }),
    ];
    assert.deepEqual(findings(layout).map((f) => `${f.rule}: ${f.subject}`), ["shared-production-key: key owner cleo@acme.test"]);
  });

  it("dev-and-prod-mixed: names after confusable folding (a Cyrillic е in chat-dеv)", () => {
    const layout = [...good(), project("chat-d\u0435v", { ...PROD, team: "chat" }), member("ben@acme.test", "owner", "chat-d\u0435v")];
    assert.deepEqual(findings(layout).map((f) => `${f.rule}: ${f.subject}`), ["dev-and-prod-mixed: project chat-d\u0435v"]);
  });
});
