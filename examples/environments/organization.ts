import * as pulumi from "@pulumi/pulumi";
import * as tenancy from "pulumi-tenancy";

/** The `org` stack: the organization, its policy and its members; the people the environments use. */
export function deployOrganization() {
  const config = new pulumi.Config();
  const domain = config.require("domain");
  const people = {
    owner: `${config.require("owner")}@${domain}`,
    keyOwner: `${config.require("keyOwner")}@${domain}`,
    escalationContact: `${config.require("escalationContact")}@${domain}`,
  };
  const org = new tenancy.Organization("organization", {
    name: config.require("organizationName"),
    billing: { plan: "team", billingEmail: `billing@${domain}` },
    settings: { allowedEmailDomains: [domain], apiKeyMaxLifetimeDays: 180 },
    securityPolicy: { session: { maxTokenLifetimeDays: 90 } },
  });
  for (const email of new Set([people.owner, people.keyOwner])) {
    new tenancy.Membership(`member:${email}`, { organizationId: org.id, email, role: "member" });
  }
  return { organizationId: org.id, team: config.require("team"), ...people };
}
