// The program the install lanes (and the old-state fixture) deploy from a folder outside the
// checkout: a user's own program with pulumi-tenancy installed from the packed tarball.
// Stack config: `description` updates the project in place, `quarter` rotates the key. Exported
// as a function, the form both a program folder and an Automation API inline program take.
const pulumi = require("@pulumi/pulumi");
const tenancy = require("pulumi-tenancy");

module.exports = () => {
  const config = new pulumi.Config();
  const org = new tenancy.Organization("acme", { name: "Acme" });
  const ana = new tenancy.Membership("ana", { organizationId: org.id, email: "ana@acme.test", role: "member" });
  const dev = new tenancy.Project("dev", {
    organizationId: org.id,
    name: "chat-dev",
    environment: "development",
    description: config.get("description") || "first",
  });
  const anaDev = new tenancy.Membership(
    "ana-dev",
    { organizationId: org.id, projectId: dev.id, email: "ana@acme.test", role: "owner" },
    { dependsOn: [ana] },
  );
  const key = new tenancy.ApiKey(
    "backend",
    { projectId: dev.id, name: "backend", owner: "ana@acme.test", rotationTriggers: { quarter: config.get("quarter") || "2026-Q1" } },
    { dependsOn: [anaDev] },
  );
  // Which Node and SDK ran the program: the lane's, not the checkout's.
  const sdk = require("@pulumi/pulumi/package.json").version;
  return { orgId: org.id, projectId: dev.id, keyId: key.id, secret: key.secret, node: process.version, sdk };
};
