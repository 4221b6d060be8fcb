import * as pulumi from "@pulumi/pulumi";
import * as tenancy from "pulumi-tenancy";

/**
 * The `org` stack: the organization, its policy, its members, and the CI identity that deploys
 * the environment stacks; exports the people the environments use.
 */
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
  // CI deploys as a service account, not as a person; a new `ciTokenRotation` value rotates its
  // token (the new one is minted before the old one is revoked).
  const ci = new tenancy.ServiceAccount("ci-deployer", {
    organizationId: org.id,
    name: "ci-deployer",
    role: "admin",
    rotationTriggers: { rotation: config.require("ciTokenRotation") },
  });
  return {
    organizationId: org.id,
    team: config.require("team"),
    ...people,
    ciDeployer: ci.userId,
    /** The CI token, a Pulumi secret: `pulumi stack output ciToken --show-secrets --stack org`. */
    ciToken: ci.token,
  };
}
