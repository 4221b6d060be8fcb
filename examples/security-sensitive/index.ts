import * as pulumi from "@pulumi/pulumi";
import * as tenancy from "pulumi-tenancy";

// A security-sensitive company. The organization's policy is strict: management calls only from
// the office and CI networks, short-lived tokens, MFA, keys that live at most 30 days. The
// high-risk workload (claims extraction) has a production project of its own with two owners
// (changes to its members and keys get a second pair of eyes), a key owner who is a plain member,
// and one narrow read-only key that expires in 14 days. Access is exclusive: a member, service
// account or key that this program does not declare (added by hand through the API) is removed by
// the next `up` (Pulumi.yaml refreshes before every run), a key after a 24-hour overlap.

const config = new pulumi.Config();
const domain = config.get("domain") ?? "secure.test";
// The deployer's own address must be inside the allowlist (the backend refuses one that locks its
// caller out); 127.0.0.1 is here so that the example runs against a local backend.
const ipAllowlist = config.getObject<string[]>("ipAllowlist") ?? ["10.20.0.0/16", "127.0.0.1/32"];
const [owner, reviewer, keyOwner] = [`rita@${domain}`, `omar@${domain}`, `sam@${domain}`];

const org = new tenancy.Organization("security-sensitive", {
  name: config.get("organizationName") ?? "Secure Insurance",
  billing: { plan: "enterprise", billingEmail: `finance@${domain}` },
  settings: { allowedEmailDomains: [domain], apiKeyMaxLifetimeDays: 30 },
  securityPolicy: {
    session: { maxTokenLifetimeDays: 30, idleTimeoutMinutes: 30, requireMfa: true },
    ipAllowlist,
  },
  exclusiveAccess: true,
});
const inOrg = [owner, reviewer, keyOwner].map((email) => new tenancy.Membership(`member:${email}`, { organizationId: org.id, email, role: "member" }));

const claims = new tenancy.Project("claims-prod", {
  organizationId: org.id,
  name: "claims-prod",
  environment: "production",
  team: "claims",
  workload: "extraction",
  description: "Extracts fields from insurance claims; handles personal data.",
  owner,
  keyOwner,
  escalationContact: `secops@${domain}`,
  expectedMonthlySpendUsd: 1200,
  labels: { "data-class": "restricted" },
  limits: { requestsPerMinute: 120, tokensPerMinute: 60_000, monthlyBudgetUsd: 1500 },
  exclusiveAccess: true,
});
const members = [
  { email: owner, role: "owner" },
  { email: reviewer, role: "owner" },
  { email: keyOwner, role: "member" },
] as const;
const projectMembers = members.map(
  (m) => new tenancy.Membership(`claims-prod:member:${m.email}`, { organizationId: org.id, projectId: claims.id, email: m.email, role: m.role }, { dependsOn: inOrg }),
);
const reader = new tenancy.ApiKey(
  "claims-prod:key:reader",
  { projectId: claims.id, name: "reader", owner: keyOwner, permissions: "read_only", expiresInDays: 14 },
  { dependsOn: projectMembers },
);

export const organizationId = org.id;
export const readerKey = reader.redactedValue;
