import * as pulumi from "@pulumi/pulumi";
import * as tenancy from "pulumi-tenancy";

// An agency building for several clients. Each client gets an organization of its own: its own
// invoices and billing contact, its own members, and no way for one client's people or keys to
// reach another's. The agency's account lead is a member of each client's organization (one user
// can belong to many) and owns that client's project; a client whose billing the agency carries
// could instead be a ProjectSet inside one agency organization.

const config = new pulumi.Config();
const agencyDomain = config.get("agencyDomain") ?? "agency.test";

const clients = [
  { slug: "northwind", name: "Northwind (client)", domain: "northwind.test", lead: `mia@${agencyDomain}`, workload: "chat", spend: 800 },
  { slug: "globex", name: "Globex (client)", domain: "globex.test", lead: `raj@${agencyDomain}`, workload: "media_generation", spend: 2500 },
] as const;

const organizations: Record<string, pulumi.Output<string>> = {};
for (const c of clients) {
  const org = new tenancy.Organization(c.slug, {
    name: c.name,
    billing: { plan: "team", billingEmail: `ap@${c.domain}` },
    settings: { allowedEmailDomains: [c.domain, agencyDomain], apiKeyMaxLifetimeDays: 120 },
  });
  const lead = new tenancy.Membership(`${c.slug}:member:${c.lead}`, { organizationId: org.id, email: c.lead, role: "member" });
  new tenancy.ProjectSet(
    c.slug,
    {
      organizationId: org.id,
      team: "agency",
      workload: c.workload,
      owner: c.lead,
      escalationContact: `oncall@${agencyDomain}`,
      labels: { client: c.slug },
      environments: { production: { expectedMonthlySpendUsd: c.spend } },
    },
    { dependsOn: [lead] },
  );
  organizations[c.slug] = org.id;
}

/** Each client's organization id. */
export const clientOrganizations = organizations;
