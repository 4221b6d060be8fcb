import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { failure, TestStack, testStack } from "./support";

/**
 * Invalid inputs and configuration fail in `preview`, before anything is created, with the
 * resource and the property named. No backend is needed: preview runs only check and diff.
 */
describe("the provider refuses bad inputs in preview", function () {
  this.timeout(5 * 60 * 1000);

  const ORG = "org_AAAAAAAAAAAA";
  const PROJ = "proj_BBBBBBBBBBBB";
  type Kind = "organization" | "project" | "membership" | "apiKey";
  let bad = "organization" as Kind;
  let t: TestStack;

  const program = async () => {
    if (bad === "organization") new tenancy.Organization("acme", { name: "Acme", billing: { plan: "gold" as "team", billingEmail: "ap-at-acme" } });
    if (bad === "project") new tenancy.Project("chat", { organizationId: ORG, name: "chat", environment: "production", owner: "ben@acme.test" });
    if (bad === "membership") new tenancy.Membership("ana", { organizationId: ORG, email: "ana@acme.test", role: "owner" });
    if (bad === "apiKey") new tenancy.ApiKey("ci", { projectId: "key_nope", name: "ci", owner: "ben@acme.test", expiresInDays: 0 });
  };

  before(async () => {
    t = await testStack({ endpoint: "http://127.0.0.1:9", token: "t".repeat(40), program });
  });
  after(async () => t?.dispose());

  const cases: [Kind, string, RegExp[]][] = [
    ["organization", "an Organization", [/Organization resource 'acme': property billing\.plan value .* has a problem: invalid option/, /property billing\.billingEmail .*must be an email address/]],
    ["project", "a Project", [/Project resource 'chat': property keyOwner .*is required for a production project \(launch checklist\)/, /property escalationContact/, /property expectedMonthlySpendUsd/]],
    ["membership", "a Membership", [/Membership resource 'ana': property role .*expected one of "admin"\|"billing"\|"member"/]],
    ["apiKey", "an ApiKey", [/ApiKey resource 'ci': property projectId .*must be a proj_… id/, /property expiresInDays .*must be at least 1 day/]],
  ];
  for (const [kind, resource, messages] of cases) {
    it(`names each invalid property of ${resource}`, async () => {
      bad = kind;
      const message = await failure(t.stack.preview());
      for (const m of messages) assert.match(message, m);
    });
  }
});

describe("the provider's configuration", function () {
  this.timeout(5 * 60 * 1000);
  const program = async () => {
    new tenancy.Organization("acme", { name: "Acme" });
  };

  it("refuses a token stored in plain text, saying how to store it encrypted", async () => {
    const t = await testStack({ endpoint: "http://127.0.0.1:9", token: "t".repeat(40), plainToken: true, program });
    try {
      assert.match(await failure(t.stack.preview()), /tenancy:token is stored in plain text .*`pulumi config set --secret tenancy:token <token>`/);
    } finally {
      await t.dispose();
    }
  });

  it("names both ways to set a missing endpoint or token", async () => {
    const t = await testStack({ endpoint: "http://127.0.0.1:9", token: "t".repeat(40), program });
    try {
      await t.stack.removeConfig("tenancy:token");
      assert.match(
        await failure(t.stack.up()),
        /create Organization "acme": no tenancy token: set it with `pulumi config set --secret tenancy:token …` or the TENANCY_TOKEN environment variable/,
      );
      await t.stack.removeConfig("tenancy:endpoint");
      assert.match(await failure(t.stack.up()), /no tenancy endpoint: set it with `pulumi config set tenancy:endpoint https:\/\/…` or the TENANCY_ENDPOINT environment variable/);
    } finally {
      await t.dispose();
    }
  });
});
