import * as pulumi from "@pulumi/pulumi";
import * as tenancy from "pulumi-tenancy";

// Several product teams in one organization: one project per team, so usage and cost are
// attributed per team, and a production key per team, so a key can be rotated or revoked
// without touching anyone else's traffic. Each team owns its project (an owner membership);
// nobody but the deployer is an organization admin.

const config = new pulumi.Config();
const domain = config.get("domain") ?? "products.test";

const org = new tenancy.Organization("product-teams", {
  name: config.get("organizationName") ?? "Product Company",
  billing: { plan: "enterprise", billingEmail: `finance@${domain}` },
  settings: { allowedEmailDomains: [domain], apiKeyMaxLifetimeDays: 180 },
});

const teams = [
  { team: "support", workload: "chat", owner: `sara@${domain}`, spend: 4000 },
  { team: "documents", workload: "extraction", owner: `dan@${domain}`, spend: 1500 },
] as const;

const keys: Record<string, pulumi.Output<string>> = {};
for (const t of teams) {
  const member = new tenancy.Membership(`member:${t.owner}`, { organizationId: org.id, email: t.owner, role: "member" });
  const set = new tenancy.ProjectSet(
    t.team,
    {
      organizationId: org.id,
      team: t.team,
      workload: t.workload,
      owner: t.owner,
      escalationContact: `oncall-${t.team}@${domain}`,
      environments: { production: { expectedMonthlySpendUsd: t.spend } },
    },
    { dependsOn: [member] },
  );
  keys[t.team] = set.keys[`production/${t.team}`].redactedValue;
}

export const organizationId = org.id;
/** One production key per team, by its redacted value. */
export const productionKeys = keys;
