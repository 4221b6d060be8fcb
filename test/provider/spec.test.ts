import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { z } from "zod";
import { apiKeyImplementation, apiKeySpec } from "../../provider/api-key";
import { TenancyClient } from "../../provider/client";
import { same } from "../../provider/inputs";
import { membershipImplementation, membershipSpec } from "../../provider/membership";
import { organizationImplementation, organizationSpec } from "../../provider/organization";
import { projectImplementation, projectSpec } from "../../provider/project";
import { Implementation } from "../../provider/resource";
import { Backend, startBackend } from "../support/backend";
import { accounts, api } from "./support";

/**
 * Every field of every resource's inputs, nested ones included, goes through check → create →
 * read → diff: the API stores what was declared, read hands it back unchanged, diff sees no change
 * — and sees a change to any one of them. A field added to a wire schema but missing from the
 * fixtures below fails the first assertion, so it cannot be left out of this proof.
 */
describe("one spec per resource: every input field round-trips", function () {
  this.timeout(2 * 60 * 1000);

  let backend: Backend;
  let root: TenancyClient;
  before(async () => {
    // A key, so that the organization's write-only SSO client secret can be kept.
    backend = await startBackend({ env: { TENANCY_ENCRYPTION_KEY: randomBytes(32).toString("base64") } });
    await accounts(backend, ["ana@rt.test", "ben@lost.test"]);
    root = api(backend.url, backend.token);
  });
  after(async () => backend?.dispose());

  const urn = (type: string, name: string) => `urn:pulumi:test::spec::pulumi-nodejs:dynamic/tenancy:${type}::${name}`;

  it("organization, project, memberships and key: stored, read back and diffed field by field", async () => {
    const settings = { endpoint: backend.url, token: backend.token };
    const org = await roundTrip(organizationImplementation, organizationSpec, settings, {
      name: "Round Trip",
      billing: { plan: "team", billingEmail: "ap@rt.test", financeContacts: ["fin@rt.test"], renewalDate: "2027-01-31" },
      settings: { allowedEmailDomains: ["rt.test"], apiKeyMaxLifetimeDays: 365, membersCanCreateProjects: true },
      securityPolicy: {
        sso: { enforced: false, protocol: "oidc", metadataUrl: "https://idp.rt.test/.well-known/openid-configuration", issuer: "https://idp.rt.test", clientId: "tenancy", clientSecret: "rt-client-secret", autoProvision: { role: "member" } },
        session: { maxTokenLifetimeDays: 30, idleTimeoutMinutes: 60, requireMfa: false },
        ipAllowlist: ["127.0.0.0/8", "::1/128"],
      },
      exclusiveAccess: true,
      externalId: urn("Organization", "rt"),
    });
    const orgMember = {
      organizationId: org.id,
      email: "ana@rt.test",
      role: "member",
      adopt: false,
      externalId: urn("Membership", "ana"),
    };
    // An organization membership has no project; the project membership below sets it.
    await roundTrip(membershipImplementation, membershipSpec, settings, orgMember, ["projectId"]);
    const project = await roundTrip(projectImplementation, projectSpec, settings, {
      organizationId: org.id,
      adopt: true,
      exclusiveAccess: true,
      name: "chat-prod",
      environment: "production",
      team: "support",
      workload: "chat",
      owner: "ana@rt.test",
      keyOwner: "ana@rt.test",
      escalationContact: "oncall@rt.test",
      expectedMonthlySpendUsd: 5000,
      description: "the support chat",
      labels: { tier: "gold" },
      limits: { requestsPerMinute: 600, tokensPerMinute: 100000, monthlyBudgetUsd: 6000, allowedModels: ["gpt-4o", "claude-sonnet-4-5"] },
      externalId: urn("Project", "chat-prod"),
    });
    const projectMember = {
      organizationId: org.id,
      projectId: project.id,
      email: "ana@rt.test",
      role: "member",
      adopt: true,
      externalId: urn("Membership", "ana-chat-prod"),
    };
    await roundTrip(membershipImplementation, membershipSpec, settings, projectMember);
    await roundTrip(apiKeyImplementation, apiKeySpec, settings, {
      projectId: project.id,
      rotationTriggers: { quarter: "2026-Q4" },
      rotationOverlapHours: 6,
      name: "backend",
      owner: "ana@rt.test",
      permissions: "read_only",
      expiresInDays: 30,
      externalId: urn("ApiKey", "backend"),
    });

    // What the API itself says, read with another client: every declared field as declared.
    const stored = await root.projects.get(org.id, project.id);
    assert.deepEqual({ labels: stored.labels, limits: stored.limits, workload: stored.workload }, { labels: { tier: "gold" }, limits: { requestsPerMinute: 600, tokensPerMinute: 100000, monthlyBudgetUsd: 6000, allowedModels: ["gpt-4o", "claude-sonnet-4-5"] }, workload: "chat" });
  });

  it("takes over what a create the engine lost track of made, instead of failing or duplicating it", async () => {
    const settings = { endpoint: backend.url, token: backend.token };
    const twice = async (implementation: Implementation, inputs: Record<string, unknown>) => {
      const provider = implementation(settings);
      const { inputs: checked } = await provider.check!({}, inputs);
      const first = await provider.create(checked);
      const second = await provider.create(checked);
      return [first, second];
    };
    const [org, orgAgain] = await twice(organizationImplementation, { name: "Lost", externalId: urn("Organization", "lost") });
    assert.equal(orgAgain.id, org.id);
    const [project, projectAgain] = await twice(projectImplementation, { organizationId: org.id, name: "lost", environment: "development", externalId: urn("Project", "lost") });
    assert.equal(projectAgain.id, project.id);
    const [m, mAgain] = await twice(membershipImplementation, { organizationId: org.id, email: "ben@lost.test", role: "member", externalId: urn("Membership", "ben") });
    await root.members.add({ organizationId: org.id, projectId: project.id }, { email: "ben@lost.test", role: "member" });
    assert.equal(mAgain.id, m.id);
    const [key, keyAgain] = await twice(apiKeyImplementation, { projectId: project.id, name: "ci", owner: "ben@lost.test", externalId: urn("ApiKey", "lost") });
    assert.notEqual(keyAgain.id, key.id);
    const keys = (await root.apiKeys.list(org.id, project.id, {})).data.map((k) => [k.id, k.status]);
    assert.deepEqual(keys.sort(), [[key.id, "revoked"], [keyAgain.id, "active"]].sort());
  });

  interface Spec {
    own: z.ZodObject;
    api: z.ZodObject;
    apiFor?: (inputs: Record<string, unknown>) => z.ZodType;
    inputKeys: readonly string[];
    compared: readonly string[];
    outputKeys: readonly string[];
  }

  async function roundTrip(implementation: Implementation, spec: Spec, settings: object, fixture: Record<string, unknown>, absent: string[] = []): Promise<{ id: string }> {
    assert.deepEqual(missingFields(spec.own, fixture).filter((f) => !absent.includes(f)), [], "the fixture leaves provider fields out");
    assert.deepEqual(missingFields(spec.apiFor?.(fixture) ?? spec.api, fixture), [], "the fixture leaves API fields out");
    const provider = implementation(settings);

    const checked = await provider.check!({}, { ...fixture, __provider: "stub" });
    assert.deepEqual(checked.failures, []);
    assert.ok(same(checked.inputs, fixture), `check changed the inputs: ${JSON.stringify(checked.inputs)}`);

    const created = await provider.create(checked.inputs);
    for (const key of spec.inputKeys) assert.ok(same(created.outs[key], fixture[key]), `create stored ${key} as ${JSON.stringify(created.outs[key])}`);
    assert.ok(created.outs.createdAt && created.outs.version, "the API's own fields are outputs");
    assert.equal("id" in created.outs, false, "the id is the resource's id, not an output too");

    const read = await provider.read!(created.id, created.outs);
    assert.equal(read.id, created.id);
    assert.deepEqual(read.inputs, checked.inputs);
    assert.deepEqual(Object.keys(read.props).filter((k) => !spec.inputKeys.includes(k) && !spec.outputKeys.includes(k)), []);

    // The spec's diff also says which fields changed (the engine ignores the extra property).
    const diff = (news: Record<string, unknown>) => provider.diff!(created.id, read.props, news) as Promise<{ changes?: boolean; changed?: string[] }>;
    const unchanged = await diff(checked.inputs);
    assert.deepEqual([unchanged.changes, unchanged.changed], [false, []]);
    for (const field of spec.compared) {
      const { changed } = await diff({ ...checked.inputs, [field]: changedValue(checked.inputs[field]) });
      assert.deepEqual(changed, [field], `a change to ${field} is not seen by diff`);
    }
    return { id: created.id };
  }
});

/** The fields of `schema`, at any depth, that `value` leaves unset. */
function missingFields(schema: z.ZodType, value: unknown, path = ""): string[] {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  if (!(s instanceof z.ZodObject)) return [];
  const bag = (value ?? {}) as Record<string, unknown>;
  return Object.entries(s.shape).flatMap(([k, field]) => {
    const at = path ? `${path}.${k}` : k;
    if (k === "externalId" && path === "") return [];
    if (bag[k] === undefined) return [at];
    return missingFields(field as z.ZodType, bag[k], at);
  });
}

function changedValue(v: unknown): unknown {
  if (typeof v === "string") return `${v}-changed`;
  if (typeof v === "number") return v + 1;
  if (typeof v === "boolean") return !v;
  if (Array.isArray(v)) return [...v, "x"];
  if (v && typeof v === "object") return { ...v, changed: "yes" };
  return "set";
}
