import * as pulumi from "@pulumi/pulumi";
import * as tenancy from "pulumi-tenancy";

// A small team with one product: one organization, and one project per environment, each with
// its own owner membership, its own key and its own limits, so a test spike in development can
// never eat production's budget. Built from the plain resources; ProjectSet does the same in one
// call (see ../environments).

const config = new pulumi.Config();
const domain = config.get("domain") ?? "smallteam.test";
const lead = `lea@${domain}`; // owns the product and its keys
const oncall = `oncall@${domain}`; // paged when production breaks

const org = new tenancy.Organization("small-team", {
  name: config.get("organizationName") ?? "Small Team",
  billing: { plan: "team", billingEmail: `billing@${domain}` },
  settings: { allowedEmailDomains: [domain], apiKeyMaxLifetimeDays: 180 },
});
const leadInOrg = new tenancy.Membership("member:lead", { organizationId: org.id, email: lead, role: "member" });

const environments = [
  { env: "development", suffix: "dev", spend: 50, limits: { requestsPerMinute: 60, monthlyBudgetUsd: 100 }, keyDays: 30 },
  { env: "staging", suffix: "staging", spend: 150, limits: { requestsPerMinute: 300, monthlyBudgetUsd: 250 }, keyDays: 30 },
  { env: "production", suffix: "prod", spend: 2000, limits: { requestsPerMinute: 1200, tokensPerMinute: 400_000, monthlyBudgetUsd: 3000 }, keyDays: 90 },
] as const;

const redacted: Record<string, pulumi.Output<string>> = {};
for (const e of environments) {
  const name = `assistant-${e.suffix}`;
  const project = new tenancy.Project(name, {
    organizationId: org.id,
    name,
    environment: e.env,
    team: "product",
    workload: "chat",
    owner: lead,
    keyOwner: lead,
    escalationContact: e.env === "production" ? oncall : lead,
    expectedMonthlySpendUsd: e.spend,
    limits: e.limits,
  });
  // The owner field grants nothing: the owner membership is what lets the lead manage the project.
  const owner = new tenancy.Membership(`${name}:member:${lead}`, { organizationId: org.id, projectId: project.id, email: lead, role: "owner" }, { dependsOn: [leadInOrg] });
  const key = new tenancy.ApiKey(`${name}:key:backend`, { projectId: project.id, name: "backend", owner: lead, expiresInDays: e.keyDays }, { dependsOn: [owner] });
  redacted[name] = key.redactedValue;
}

export const organizationId = org.id;
/** Each environment's key by its redacted value; the secrets stay in the state, encrypted. */
export const keys = redacted;
