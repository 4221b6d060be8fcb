import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_KEY_PREFIX, newSecret, TOKEN_PREFIX } from "../../backend/auth/credentials";
import { buildModel } from "../../provider/guardrails/model";
import { after, Changes, fromSteps, renderLaunchSheet, reviewPreview, summarizeChanges, summaryLine } from "../../provider/review";
import { ROOT } from "../support/backend";
import { assertGolden, FIXTURES, fixture, only, tenancyProvider } from "./support";

/**
 * The report builder on saved previews of the real engine: one golden Markdown file per kind of
 * change, the exit status, and that no secret reaches the report.
 */
describe("tenancy review on saved previews", () => {
  const A = "access-keys-policy";
  const P = "projects-and-guardrails";
  const cases: [string, () => ReturnType<typeof only>][] = [
    ["member-added", () => only(A, "member:eve@acme.test")],
    ["member-removed", () => only(A, "assistant-prod:member:cleo@acme.test")],
    ["member-role-changed", () => only(A, "assistant-staging:member:dev@acme.test")],
    ["key-rotated", () => only(A, "assistant-prod:key:backend")],
    ["key-revoked", () => only(A, "assistant-prod:key:analytics")],
    ["org-settings-and-policy", () => only(A, "Acme")],
    ["project-created-with-key", () => only(P, /^search-prod/)],
    ["project-archived", () => only(P, /^assistant-dev/)],
    ["org-admins-added", () => only(P, /^member:/)],
    ["all-access-keys-policy", () => only(A, /./)],
    ["all-projects-and-guardrails", () => only(P, /./)],
  ];
  for (const [name, preview] of cases) {
    it(`reports ${name.replace(/-/g, " ")} as in golden/${name}.md`, () => assertGolden(name, reviewPreview(preview()).markdown));
  }

  it("says how long a rotated key's predecessor keeps working, from its rotationOverlapHours", () => {
    const rotated = (hours: number | undefined) => {
      const preview = only(A, "assistant-prod:key:backend");
      const step = preview.steps.find((s) => s.op === "replace");
      assert.ok(step?.old, "the fixture rotates the key");
      if (hours !== undefined) step.old = { ...step.old, props: { ...step.old.props, rotationOverlapHours: hours } };
      return reviewPreview(preview).markdown.split("\n").find((l) => l.startsWith("| assistant-prod/backend"));
    };
    assert.match(rotated(undefined) ?? "", /\| rotated \(new one created first; the old one stays valid until 24 h after the rotation\) \|/);
    assert.match(rotated(6) ?? "", /\| rotated \(new one created first; the old one stays valid until 6 h after the rotation\) \|/);
    assert.match(rotated(0) ?? "", /\| rotated \(new one created first, the old one then revoked\) \|/);
  });

  it("reports a membership replaced (another email) as one person losing and another gaining access", () => {
    const steps = fixture(A).steps.filter((s) => s.op === "same" || String(s.urn).endsWith("::assistant-staging:member:dev@acme.test"));
    const step = steps.find((s) => s.op === "update") as { op: string; newState: { inputs: Record<string, unknown> } };
    step.op = "replace";
    step.newState.inputs.email = "eve@acme.test";
    assertGolden("member-replaced", reviewPreview(fromSteps(steps)).markdown);
  });

  it("says a person without an account is invited, apart from who gains access, and counts them apart", () => {
    // The role change of dev@acme.test, whose Membership is still an invitation: it is sent anew.
    const steps = fixture(A).steps.filter((s) => s.op === "same" || String(s.urn).endsWith("::assistant-staging:member:dev@acme.test"));
    const step = steps.find((s) => s.op === "update") as { oldState: { outputs?: Record<string, unknown> }; newState: { outputs?: Record<string, unknown> } };
    step.oldState.outputs = { ...step.oldState.outputs, status: "invited" };
    const invited = reviewPreview(fromSteps(steps)).markdown;
    assert.match(invited, /\| dev\\@⁠acme\.test \| invited \| viewer → member \| project assistant-staging \|/);
    assert.match(invited, /\*\*1 person is invited\.\*\*/);
    assert.doesNotMatch(invited, /gain|role change/);
    // Once they accepted (status active), the same step is a role change again.
    step.oldState.outputs = { ...step.oldState.outputs, status: "active" };
    assert.match(reviewPreview(fromSteps(steps)).markdown, /1 role changes/);
  });

  it("exits 1 when a finding at or above --fail-on exists, else 0", () => {
    const admins = () => only(P, /^member:/); // only the too-many-admins warning
    assert.deepEqual(reviewPreview(admins()).findings.map((f) => [f.rule, f.severity]), [
      ["org-admin-granted", "warning"],
      ["org-admin-granted", "warning"],
      ["org-admin-granted", "warning"],
      ["too-many-admins", "warning"],
    ]);
    assert.equal(reviewPreview(admins(), { failOn: "mandatory" }).exitCode, 0);
    assert.equal(reviewPreview(admins(), { failOn: "warning" }).exitCode, 1);
    assert.equal(reviewPreview(only(P, /./)).exitCode, 1);
    assert.equal(reviewPreview(only(A, /./), { failOn: "mandatory" }).exitCode, 0);
    assert.equal(reviewPreview(only(A, "assistant-staging:member:dev@acme.test"), { failOn: "warning" }).exitCode, 0);
    // The admin limits are configurable: 4 admins of 5 members pass with room for them.
    assert.deepEqual(reviewPreview(admins(), { guardrails: { maxAdmins: 4, maxAdminShare: 0.8 } }).findings.filter((f) => f.rule === "too-many-admins"), []);
  });

  it("never prints a key secret or a token, even when the preview JSON holds one", () => {
    const doc = fixture(A);
    // Made at run time in the real formats, so no credential-shaped string is committed.
    const secret = newSecret(API_KEY_PREFIX);
    const token = newSecret(TOKEN_PREFIX);
    for (const s of doc.steps as { newState?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }; oldState?: { outputs?: Record<string, unknown> } }[]) {
      for (const state of [s.newState, s.oldState]) {
        if (!state) continue;
        state.outputs = { ...state.outputs, secret, token };
        if ((state as { inputs?: Record<string, unknown> }).inputs) Object.assign((state as { inputs: Record<string, unknown> }).inputs, { secret, labels: { note: `key ${secret}` } });
      }
    }
    const text = reviewPreview(fromSteps(doc.steps)).markdown;
    assert.ok(!text.includes(secret.slice(4)) && !text.includes(token.slice(4)), text);
    assert.match(text, /Access review/);
  });

  it("names a resource type it does not know without printing its inputs, and one imitating tenancy's as a mandatory finding", () => {
    const steps = [
      ...fixture(A).steps.filter((s) => s.op === "same"),
      // tenancy's own component grants nothing itself: left out, its children are what count.
      { op: "create", urn: "urn:pulumi:s1::p::tenancy:index:ProjectSet::chat", newState: { type: "tenancy:index:ProjectSet", inputs: {} } },
      { op: "create", urn: "urn:pulumi:s1::p::pulumi-nodejs:dynamic/tenancy:Widget::w1", newState: { type: "pulumi-nodejs:dynamic/tenancy:Widget", inputs: { password: "hunter2-hunter2" } } },
      {
        op: "create",
        urn: "urn:pulumi:s1::p::pulumi-nodejs:dynamic/tenancy:ServiceAccount::ci",
        newState: { type: "pulumi-nodejs:dynamic/tenancy:ServiceAccount", inputs: { organizationId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", name: "ci-deployer", role: "admin", __provider: tenancyProvider("ServiceAccount") }, propertyDependencies: { organizationId: [fixture(A).steps.find((s) => String(s.urn).endsWith("::Acme"))!.urn] } },
      },
      {
        op: "update",
        urn: "urn:pulumi:s1::p::pulumi-nodejs:dynamic/tenancy:ServiceAccount::release",
        oldState: { type: "pulumi-nodejs:dynamic/tenancy:ServiceAccount", inputs: { organizationId: "org_1", name: "release", role: "member", rotationTriggers: { month: "2026-11" }, __provider: tenancyProvider("ServiceAccount") }, outputs: { token: newSecret(TOKEN_PREFIX) } },
        newState: { type: "pulumi-nodejs:dynamic/tenancy:ServiceAccount", inputs: { organizationId: "org_1", name: "release", role: "admin", rotationTriggers: { month: "2026-12" }, __provider: tenancyProvider("ServiceAccount") } },
      },
    ];
    assertGolden("unknown-type-and-service-account", reviewPreview(fromSteps(steps)).markdown);
  });

  describe("honest reports", () => {
    /** assistant-prod's limits as the program now declares them; the outputs still hold the old ones, as in a real preview. */
    const limitsNow = (limits: Record<string, unknown> | undefined) => {
      const steps = fixture(A).steps.map((st) => structuredClone(st)) as { op: string; urn: string; oldState?: { inputs: Record<string, unknown>; outputs?: Record<string, unknown> }; newState?: { inputs: Record<string, unknown>; outputs?: Record<string, unknown> } }[];
      const step = steps.find((st) => st.urn.endsWith("::assistant-prod"))!;
      step.op = "update";
      step.newState = { ...structuredClone(step.oldState!), outputs: structuredClone(step.oldState!.outputs ?? step.oldState!.inputs) };
      if (limits) step.newState.inputs.limits = limits;
      else delete step.newState.inputs.limits;
      return summarizeChanges(fromSteps(steps)).projects;
    };

    it("counts people and grants apart", () => {
      const grant = (who: string, change: "gains" | "loses", where: string) => ({ who, kind: "person" as const, change, role: "member", where });
      const line = (...access: ReturnType<typeof grant>[]) => summaryLine({ access, keys: [], projects: [], organizations: [], others: [] } as unknown as Changes);
      assert.equal(line(grant("ben@acme.test", "gains", "organization Acme"), grant("ben@acme.test", "gains", "project a"), grant("ben@acme.test", "gains", "project b")), "1 person gains 3 grants");
      assert.equal(line(grant("ben@acme.test", "gains", "project a"), grant("cleo@acme.test", "gains", "project a")), "2 people gain access");
      assert.equal(line(grant("ben@acme.test", "loses", "project a"), grant("ben@acme.test", "loses", "project b")), "1 person loses 2 grants");
    });

    it("finds a loosened security policy, and not a tightened one", () => {
      const policy = (before: Record<string, unknown>, after: Record<string, unknown>) => {
        const steps = fixture(A).steps.filter((st) => st.op === "same" || String(st.urn).endsWith("::Acme")).map((st) => structuredClone(st)) as { urn: string; oldState: { inputs: Record<string, unknown> }; newState: { inputs: Record<string, unknown> } }[];
        const org = steps.find((st) => st.urn.endsWith("::Acme"))!;
        Object.assign(org.oldState.inputs, before);
        Object.assign(org.newState.inputs, after);
        return reviewPreview(fromSteps(steps)).findings.filter((f) => f.rule === "security-policy-loosened").map((f) => f.message);
      };
      const sp = (session: Record<string, unknown>, ipAllowlist: string[] = []) => ({ securityPolicy: { sso: { enforced: false }, session, ipAllowlist } });
      assert.deepEqual(policy(sp({ requireMfa: true }, ["10.0.0.0/8"]), sp({ requireMfa: false })), [
        "securityPolicy.ipAllowlist of organization Acme loosens: [\"10.0.0.0/8\"] → []",
        "securityPolicy.session.requireMfa of organization Acme loosens: true → false",
      ]);
      assert.deepEqual(policy({ settings: { apiKeyMaxLifetimeDays: 90 } }, { settings: {} }), ["settings.apiKeyMaxLifetimeDays of organization Acme loosens: 90 → (removed)"]);
      assert.deepEqual(policy(sp({ requireMfa: false }), sp({ requireMfa: true }, ["10.0.0.0/8"])), []);
    });

    it("names the project an id routes a member to, not the one the program derived it from, and fails on the mismatch", () => {
      // projectId: staging.id.apply(() => "<assistant-prod's id>"): the dependency says staging.
      const steps = fixture(A).steps.filter((st) => st.op === "same" || String(st.urn).endsWith("::assistant-staging:member:dev@acme.test")).map((st) => structuredClone(st)) as { op: string; urn: string; oldState?: { id?: string; inputs: Record<string, unknown> }; newState: { inputs: Record<string, unknown> } }[];
      const prodId = steps.find((st) => st.urn.endsWith("::assistant-prod"))!.oldState!.id!;
      const step = steps.find((st) => st.urn.endsWith("::assistant-staging:member:dev@acme.test"))!;
      step.op = "replace";
      step.newState.inputs.projectId = prodId;
      const review = reviewPreview(fromSteps(steps));
      assert.deepEqual(summarizeChanges(fromSteps(steps)).access.map((a) => `${a.who} ${a.change} ${a.role} in ${a.where}`), [
        "dev@acme.test loses viewer in project assistant-staging",
        "dev@acme.test gains member in project assistant-prod",
      ]);
      assert.deepEqual(review.findings.filter((f) => f.severity === "mandatory").map((f) => `${f.rule}: ${f.message}`), [
        "reference-mismatch: assistant-staging:member:dev@acme.test: projectId is Project assistant-prod, but the program derived it from assistant-staging",
      ]);
      assert.equal(review.exitCode, 1);
    });

    it("shows a removed limit as a removal", () => {
      assert.deepEqual(limitsNow({ monthlyBudgetUsd: 7500, requestsPerMinute: 3000 }), [
        { change: "updated", name: "assistant-prod", fields: [{ field: "limits.tokensPerMinute", before: "2000000", after: "(removed)" }] },
      ]);
    });

    it("shows each field of a removed limits block as removed", () => {
      assert.deepEqual(limitsNow(undefined)[0].fields, [
        { field: "limits.monthlyBudgetUsd", before: "7500", after: "(removed)" },
        { field: "limits.requestsPerMinute", before: "3000", after: "(removed)" },
        { field: "limits.tokensPerMinute", before: "2000000", after: "(removed)" },
      ]);
    });
  });

  describe("which guardrails run", () => {
    const T = "pulumi-nodejs:dynamic/tenancy:";
    const ORG = `urn:pulumi:s1::p::${T}Organization::acme`;
    const admins = ["a", "b", "c", "d", "e"].map((n) => ({
      op: "create",
      urn: `urn:pulumi:s1::p::${T}Membership::${n}`,
      newState: { type: `${T}Membership`, inputs: { organizationId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", email: `${n}@acme.test`, role: "admin", __provider: tenancyProvider("Membership") }, propertyDependencies: { organizationId: [ORG] } },
    }));
    const org = { op: "create", urn: ORG, newState: { type: `${T}Organization`, inputs: { name: "Acme", __provider: tenancyProvider("Organization") } } };
    const stack = (op: string) => ({ op, urn: "urn:pulumi:s1::p::pulumi:pulumi:Stack::p-s1", newState: { type: "pulumi:pulumi:Stack" } });

    it("runs every guardrail on a new stack, which has nothing unchanged to miss", () => {
      const review = reviewPreview(fromSteps([stack("create"), org, ...admins]));
      // The organization is created here: its admins are founders, judged by too-many-admins alone.
      assert.deepEqual(review.findings.map((f) => f.rule), ["too-many-admins"]);
      assert.doesNotMatch(review.markdown, /unchanged/);
    });

    it("says so when a saved preview of an existing stack lists only its changes", () => {
      const review = reviewPreview(fromSteps([org, ...admins]));
      assert.deepEqual(review.findings, []);
      assert.match(review.markdown, /_The saved preview does not list unchanged resources \(it was made without `--show-sames`\), so only the guardrails about one resource at a time ran \(`dev-and-prod-mixed`, `production-launch-checklist`, `unreviewed-access`, `reference-mismatch`\)/);
    });
  });

  it("prints the launch readiness sheet of the layout a preview leads to", () => {
    assertGolden("launch-sheet", renderLaunchSheet(buildModel(after(only(P, /./)))));
  });

  describe("the tenancy command", () => {
    const cli = join(ROOT, "dist", "provider", "cli", "index.js");
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: ROOT, env: { ...process.env, INIT_CWD: ROOT } });

    it("prints the review of a saved preview and exits with its status", () => {
      const r = run("review", "--preview-json", join(FIXTURES, `${P}.json`));
      assert.equal(r.status, 1, r.stderr);
      assertGolden("all-projects-and-guardrails", r.stdout);
      assert.equal(run("review", "--preview-json", join(FIXTURES, `${A}.json`), "--fail-on", "mandatory").status, 0);
      assert.equal(run("review", "--preview-json", join(FIXTURES, `${A}.json`), "--fail-on", "warning").status, 1);
    });

    it("refuses a wrong argument with a usage error naming it", () => {
      const cases: [string[], RegExp][] = [
        [["review", "--fail-on", "sometimes"], /^tenancy: --fail-on must be one of warning, mandatory, not 'sometimes'\n/],
        [["review", "--stak", "dev"], /^tenancy: unknown option --stak; valid options are --stack, --cwd, --preview-json, --fail-on, --max-admins, --max-admin-share, --base-cwd, --no-refresh\n/],
        [["review", "--preview-json"], /^tenancy: --preview-json needs a value\n/],
        [["review", "--preview-json", "nope.json"], /^tenancy: --preview-json: no file .*nope\.json\n/],
        [["review", "--max-admin-share", "2"], /^tenancy: --max-admin-share must be a number from 0 to 1, not '2'\n/],
        [["review", "--cwd", "/"], /^tenancy: --cwd: \/ holds no Pulumi.yaml/],
        [["deploy"], /^tenancy: unknown command 'deploy'; valid commands are review, launch-sheet, comment, drift-issue, drift, login, logout, whoami\n/],
      ];
      for (const [args, message] of cases) {
        const r = run(...args);
        assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, "");
      }
    });

    it("exits 3 with the engine's words for a preview that failed", () => {
      const file = join(mkdtempSync(join(tmpdir(), "tenancy-review-")), "failed.json");
      writeFileSync(file, JSON.stringify({ steps: [], diagnostics: [{ severity: "error", message: "tenancy.yaml:3:1: organization.name: is required" }] }));
      const r = run("review", "--preview-json", file);
      assert.equal(r.status, 3);
      assert.equal(r.stderr, `tenancy: ${file} is of a failed preview:\ntenancy.yaml:3:1: organization.name: is required\n`);
      assert.equal(r.stdout, "");
    });

    it("shows only the first lines of a long error, and never a review of a failed preview", () => {
      const file = join(mkdtempSync(join(tmpdir(), "tenancy-review-")), "failed.json");
      const trace = Array.from({ length: 40 }, (_, i) => `    at frame${i} (program.js:${i}:1)`);
      writeFileSync(file, JSON.stringify({ steps: fixture(A).steps, diagnostics: [{ severity: "error", message: ["Error: boom", ...trace].join("\n") }] }));
      const r = run("review", "--preview-json", file);
      assert.equal(r.status, 3);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, `tenancy: ${file} is of a failed preview:\nError: boom\n${trace.slice(0, 11).join("\n")}\n… (29 more lines)\n`);
    });
  });

  it("the package's bin is the compiled CLI", () => {
    const pkg = JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json'))"], { cwd: ROOT, encoding: "utf8" }));
    assert.deepEqual(pkg.bin, { tenancy: "dist/provider/cli/index.js" });
  });
});
