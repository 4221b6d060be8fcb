import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLayout } from "../../provider/layout";
import { problems } from "./layout-problems";
import { ROOT } from "../support/backend";

/** The `tenancy.yaml` loader: the repository's own file, and errors that name line and field. */
const SEED = readFileSync(join(ROOT, "tenancy.yaml"), "utf8");

describe("tenancy.yaml", () => {
  it("loads the repository's layout: one organization, three environments, every project with its people and keys", () => {
    const layout = parseLayout(SEED);
    assert.equal(layout.organization.name, "Acme");
    assert.deepEqual(
      layout.projects.map((p) => [p.name, p.environment, p.owner, p.keyOwner, p.escalationContact !== undefined, p.expectedMonthlySpendUsd !== undefined]),
      [
        ["assistant-dev", "development", "ben@acme.test", "dev@acme.test", true, true],
        ["assistant-staging", "staging", "ben@acme.test", "ben@acme.test", true, true],
        ["assistant-prod", "production", "ben@acme.test", "ben@acme.test", true, true],
      ],
    );
    assert.ok(layout.projects.every((p) => p.members.length > 0 && p.keys.length > 0));
  });

  it("names the line, column and field of every invalid value", () => {
    const text = [
      "organization:",
      "  name: Acme",
      "members:",
      "  - email: ana@acme.test",
      "    role: boss",
      "projects:",
      "  - name: chat",
      "    environment: prod",
      "    colour: red",
      "  - name: chat-prod",
      "    environment: production",
      "    owner: not-an-email",
      "",
    ].join("\n");
    assert.deepEqual(problems(text), [
      'tenancy.yaml:5:5: members[0].role: invalid option: expected one of "admin"|"billing"|"member"|"viewer"',
      'tenancy.yaml:8:5: projects[0].environment: invalid option: expected one of "development"|"staging"|"production"|"other"',
      'tenancy.yaml:9:5: projects[0].colour: unknown field "colour"',
      "tenancy.yaml:10:5: projects[1].keyOwner: is required for a production project (launch checklist)",
      "tenancy.yaml:10:5: projects[1].escalationContact: is required for a production project (launch checklist)",
      "tenancy.yaml:10:5: projects[1].expectedMonthlySpendUsd: is required for a production project (launch checklist)",
      "tenancy.yaml:12:5: projects[1].owner: must be an email address such as ana@example.com",
    ]);
  });

  it("points a missing field at the entry that lacks it", () => {
    const text = ["organization:", "  name: Acme", "projects:", "  - name: chat-prod", "    environment: production", "    owner: ben@acme.test", "    keyOwner: ben@acme.test", ""].join("\n");
    assert.deepEqual(problems(text), [
      "tenancy.yaml:4:5: projects[0].escalationContact: is required for a production project (launch checklist)",
      "tenancy.yaml:4:5: projects[0].expectedMonthlySpendUsd: is required for a production project (launch checklist)",
      "tenancy.yaml:6:5: projects[0].owner: ben@acme.test must hold an owner membership of this project: list { email: ben@acme.test, role: owner } under its members, or change the owner",
    ]);
    assert.deepEqual(problems("organization:\n  billing: {plan: team}\n"), ["tenancy.yaml:2:3: organization.name: is required"]);
  });

  it("refuses a project member who is not an organization member, and a key owner outside the project", () => {
    const text = [
      "organization: { name: Acme }",
      "members:",
      "  - { email: ana@acme.test, role: admin }",
      "projects:",
      "  - name: chat",
      "    environment: development",
      "    members:",
      "      - { email: ana@acme.test, role: owner }",
      "      - { email: zoe@acme.test, role: member }",
      "    keys:",
      "      - { name: ci, owner: ben@acme.test }",
      "",
    ].join("\n");
    assert.deepEqual(problems(text), [
      "tenancy.yaml:9:11: projects[0].members[1].email: zoe@acme.test must first be listed under the organization's members",
      "tenancy.yaml:11:21: projects[0].keys[0].owner: ben@acme.test must be listed under this project's members to own a key",
    ]);
  });

  it("refuses a renamedFrom that is the entry's own name or another entry's", () => {
    const text = [
      "organization: { name: Acme, renamedFrom: Acme }",
      "projects:",
      "  - { name: chat, environment: development, renamedFrom: batch }",
      "  - { name: batch, environment: development }",
      "",
    ].join("\n");
    assert.deepEqual(problems(text), [
      "tenancy.yaml:1:29: organization.renamedFrom: is the entry's name already; leave it out",
      "tenancy.yaml:3:45: projects[0].renamedFrom: is the name of another project in this file",
    ]);
  });

  it("reports a YAML syntax error with its line", () => {
    assert.deepEqual(problems("organization:\n  name: [Acme\nmembers: []\n"), ["tenancy.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
  });
});

/** What the backend would refuse halfway through an apply, refused by the preview with a line. */
describe("tenancy.yaml rules the apply would enforce", () => {
  const layout = (extra: { settings?: string; members?: string[]; project?: string[] }) =>
    [
      `organization: { name: Acme${extra.settings ? `, settings: ${extra.settings}` : ""} }`,
      "members:",
      ...(extra.members ?? ["  - { email: ana@acme.test, role: admin }", "  - { email: ben@acme.test, role: member }"]),
      "projects:",
      ...(extra.project ?? ["  - name: chat", "    environment: development", "    owner: ben@acme.test", "    members:", "      - { email: ben@acme.test, role: owner }"]),
      "",
    ].join("\n");

  it("loads every example layout of the repository", () => {
    for (const file of ["tenancy.yaml", "examples/yaml/acme-eu.yaml"]) parseLayout(readFileSync(join(ROOT, file), "utf8"), file);
  });

  it("refuses a member outside the organization's allowedEmailDomains", () => {
    const text = layout({ settings: "{ allowedEmailDomains: [acme.test] }", members: ["  - { email: ana@acme.test, role: admin }", "  - { email: ben@acme.test, role: member }", "  - { email: eve@evil.test, role: member }"] });
    assert.deepEqual(problems(text), ["tenancy.yaml:5:7: members[2].email: must be an address at acme.test (settings.allowedEmailDomains)"]);
  });

  it("refuses a key whose expiresInDays is over the organization's apiKeyMaxLifetimeDays", () => {
    const project = ["  - name: chat", "    environment: development", "    members:", "      - { email: ben@acme.test, role: owner }", "    keys:", "      - { name: ci, owner: ben@acme.test, expiresInDays: 91 }", "      - { name: web, owner: ben@acme.test, expiresInDays: 90 }"];
    assert.deepEqual(problems(layout({ settings: "{ apiKeyMaxLifetimeDays: 90 }", project })), [
      "tenancy.yaml:11:43: projects[0].keys[0].expiresInDays: must be at most 90 days (settings.apiKeyMaxLifetimeDays)",
    ]);
  });

  it("refuses a project owner who holds no owner membership of it", () => {
    const project = ["  - name: chat", "    environment: development", "    owner: ana@acme.test", "    members:", "      - { email: ana@acme.test, role: member }", "      - { email: ben@acme.test, role: owner }"];
    assert.deepEqual(problems(layout({ project })), [
      "tenancy.yaml:8:5: projects[0].owner: ana@acme.test must hold an owner membership of this project: list { email: ana@acme.test, role: owner } under its members, or change the owner",
    ]);
  });

  it("refuses names that collide as the backend compares them: emails by case, names by Unicode normalisation", () => {
    const members = ["  - { email: ana@acme.test, role: admin }", "  - { email: ben@acme.test, role: member }", "  - { email: Ana@ACME.test, role: member }"];
    // "café" twice: precomposed U+00E9, then e + combining acute U+0301.
    const project = ["  - { name: caf\u00e9, environment: development }", "  - { name: \"cafe\u0301 \", environment: development }"];
    assert.deepEqual(problems(layout({ members, project })), [
      "tenancy.yaml:5:7: members[2].email: is listed twice",
      "tenancy.yaml:8:7: projects[1].name: is used by two projects",
    ]);
  });
});
