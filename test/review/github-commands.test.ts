import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../support/backend";
import { FakeGitHub, fakeGitHub } from "./fake-github";
import { HAS_CMARK_GFM, problemsOf, renderGfm } from "./gfm";

/**
 * The workflow's GitHub steps, `tenancy comment` and `tenancy drift-issue`, against a local
 * server that answers as GitHub's REST API does: one comment per pull request and stack,
 * updated in place; one drift issue per stack, opened, updated and closed; errors that say what
 * to fix; the token sent as `Bearer` and never printed.
 */

const cli = join(ROOT, "dist", "provider", "cli", "index.js");
// A made-up credential in the real shape, which the redaction must catch; put together here so
// that no secret scanner reads the source as a committed token.
const DEPLOY_TOKEN = ["tmt", "reviewJobTokenValue0123456789"].join("_");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe("tenancy comment and tenancy drift-issue against a GitHub-like API", () => {
  let gh: FakeGitHub;
  let dir: string;
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const run = (args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
    new Promise((done) => {
      const base = { PATH: process.env.PATH, GITHUB_API_URL: gh.url, GITHUB_TOKEN: gh.token, GITHUB_REPOSITORY: gh.repo, GITHUB_SERVER_URL: "https://github.com", GITHUB_RUN_ID: "4242", TENANCY_TOKEN: DEPLOY_TOKEN };
      const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
      execFile(process.execPath, [cli, ...args], { env: merged, encoding: "utf8" }, (err, stdout, stderr) => done({ status: err ? (err.code as number) : 0, stdout, stderr }));
    });
  const noToken = (r: Run) => assert.ok(!(r.stdout + r.stderr).includes(gh.token), "the GitHub token is printed");

  beforeEach(async () => {
    gh = await fakeGitHub();
    dir = mkdtempSync(join(tmpdir(), "tenancy-gh-"));
  });
  afterEach(() => gh.close());

  describe("tenancy comment", () => {
    const review = () => file("review.md", `## Access review of stack \`prod\`\n\n**1 person gains access.** No guardrail findings.\n\n| who | change |\n|---|---|\n| eve | gains ${DEPLOY_TOKEN} |\n`);
    const plan = () => file("plan.txt", "Previewing update (prod):\n  + tenancy:Membership member:eve create\n```\n</details> <!--\n");

    it("posts the comment with the review, the plan folded in, the commit and the run link, then updates that one comment in place", async () => {
      // Other comments fill more than one page: the marker is found on the second.
      gh.comments.set(7, Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `chatter ${i}` })));
      const first = await run(["comment", "--pr", "7", "--key", "prod", "--review", review(), "--plan", plan(), "--commit", "0123abcd"]);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /^created comment 1000 on pull request 7\n$/);
      const posted = gh.comments.get(7)!.at(-1)!;
      assert.equal(
        posted.body,
        [
          "<!-- tenancy-review:prod -->",
          "## Access review of stack `prod`",
          "",
          "**1 person gains access.** No guardrail findings.",
          "",
          "| who | change |",
          "|---|---|",
          "| eve | gains [redacted] |",
          "",
          "<details><summary>Full plan</summary>",
          "",
          "````text",
          "Previewing update (prod):",
          "  + tenancy:Membership member:eve create",
          "```",
          "</details> <!--",
          "````",
          "",
          "</details>",
          "",
          "Commit `0123abcd` · [run](https://github.com/acme/infra/actions/runs/4242)",
          "",
        ].join("\n"),
      );
      const second = await run(["comment", "--pr", "7", "--key", "prod", "--review", file("review.md", "## Access review of stack `prod`\n\n**No access changes.**\n")]);
      assert.equal(second.status, 0, second.stderr);
      assert.equal(second.stdout, "updated comment 1000 on pull request 7\n");
      assert.equal(gh.comments.get(7)!.length, 151);
      assert.match(gh.comments.get(7)!.at(-1)!.body, /^<!-- tenancy-review:prod -->\n## Access review of stack `prod`\n\n\*\*No access changes\.\*\*\n/);
      assert.deepEqual(gh.requests.map((r) => `${r.method} ${r.path}`), [
        "GET /repos/acme/infra/issues/7/comments?per_page=100",
        "GET /repos/acme/infra/issues/7/comments?per_page=100&page=2",
        "POST /repos/acme/infra/issues/7/comments",
        "GET /repos/acme/infra/issues/7/comments?per_page=100",
        "GET /repos/acme/infra/issues/7/comments?per_page=100&page=2",
        "PATCH /repos/acme/infra/issues/comments/1000",
      ]);
      assert.ok(gh.requests.every((r) => r.authorization === `Bearer ${gh.token}`));
      noToken(first);
      noToken(second);
    });

    it("keeps one comment per stack", async () => {
      for (const key of ["dev", "prod", "dev"]) assert.equal((await run(["comment", "--pr", "7", "--key", key, "--review", review()])).status, 0);
      assert.deepEqual(gh.comments.get(7)!.map((c) => c.body.split("\n")[0]), ["<!-- tenancy-review:dev -->", "<!-- tenancy-review:prod -->"]);
    });

    it("says what to fix when the token, the repository or the pull request is wrong, or GitHub refuses", async () => {
      const cases: [string[], Record<string, string | undefined>, number, RegExp, (() => void)?][] = [
        [["--pr", "7"], { GITHUB_TOKEN: undefined }, 2, /^tenancy: no GitHub token: set GITHUB_TOKEN \(in a workflow: \$\{\{ github\.token \}\}, with pull-requests: write for comments, issues: write for issues\)\n/],
        [["--pr", "7"], { GITHUB_REPOSITORY: "acme" }, 2, /^tenancy: --repo must be owner\/name, not 'acme'\n/],
        [["--pr", "7", "--repo", "acme/other"], {}, 3, /^tenancy: GitHub has no pull request 7's comments in acme\/other \(404\): check the repository \(owner\/name\) and the number, and that the token can see the repository \(GitHub: Not Found\)\n$/],
        [["--pr", "8"], {}, 3, /^tenancy: GitHub has no pull request 8's comments in acme\/infra \(404\)/],
        [["--pr", "7"], { GITHUB_TOKEN: "ghs_wrong0123456789" }, 3, /^tenancy: GitHub refused the token \(401\) for pull request 7's comments of acme\/infra: check GITHUB_TOKEN \(GitHub: Bad credentials\)\n$/],
        [["--pr", "7"], {}, 3, /^tenancy: the token may not read pull request 7's comments of acme\/infra \(403\): give the job the permission \(pull-requests: write for comments, issues: write for issues\) \(GitHub: Resource not accessible by integration\)\n$/, () => (gh.refuse = "permission")],
        [["--pr", "7"], {}, 3, /^tenancy: GitHub's rate limit for this token is used up until 2026-12-07T09:00:00\.000Z: GET pull request 7's comments of acme\/infra was not made; run the job again later \(GitHub: API rate limit exceeded for installation ID 1\.\)\n$/, () => (gh.refuse = "rate-limit")],
      ];
      for (const [args, env, status, message, setup] of cases) {
        gh.refuse = undefined;
        setup?.();
        const r = await run(["comment", ...args, "--review", review()], env);
        assert.equal(r.status, status, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message);
        noToken(r);
      }
    });
  });

  describe("tenancy drift-issue", () => {
    it("opens one issue for a stack's drift, updates it while the drift lasts, and closes it once it is gone", async () => {
      const opened = await run(["drift-issue", "--key", "prod", "--report", file("drift.md", "ben@acme.test became admin\n")]);
      assert.equal(opened.status, 0, opened.stderr);
      assert.equal(opened.stdout, "opened issue 1\n");
      assert.deepEqual(gh.issues.map((i) => [i.title, i.state, i.labels.map((l) => l.name)]), [["Drift in stack prod: the backend differs from the program", "open", ["tenancy-drift"]]]);
      assert.equal(gh.issues[0].body, "<!-- tenancy-drift:prod -->\nben\\@\u2060acme.test became admin\n\n[run](https://github.com/acme/infra/actions/runs/4242)\n");

      const updated = await run(["drift-issue", "--key", "prod", "--report", file("drift.md", `mallory@acme.test was added ${DEPLOY_TOKEN}\n`)]);
      assert.equal(updated.stdout, "updated issue 1\n");
      assert.equal(gh.issues.length, 1);
      assert.match(gh.issues[0].body, /^<!-- tenancy-drift:prod -->\nmallory\\@\u2060acme\.test was added \\\[redacted\\\]\n/);

      const closed = await run(["drift-issue", "--key", "prod", "--resolved"]);
      assert.equal(closed.stdout, "closed issue 1\n");
      assert.equal(gh.issues[0].state, "closed");
      assert.deepEqual(gh.issues[0].comments, ["The backend matches stack `prod` again: no drift left.\n\n[run](https://github.com/acme/infra/actions/runs/4242)"]);

      const quiet = await run(["drift-issue", "--key", "prod", "--resolved"]);
      assert.equal(quiet.stdout, "no drift issue is open; nothing to close\n");
      const reopened = await run(["drift-issue", "--key", "prod", "--report", file("drift.md", "again\n")]);
      assert.equal(reopened.stdout, "opened issue 2\n");
      noToken(reopened);
    });

    it("escapes the report's names, so none hides the rest of the issue, mentions someone or links anywhere", async function () {
      if (!HAS_CMARK_GFM) return this.skip();
      const hostile = [
        "undeclared access in stack prod:",
        'organization "Acme <!-- hidden" (org_1):',
        "  - mallory@evil.test admin @octocat [docs](https://evil.test) #12",
        "  - eve@acme.test admin\rstill visible",
        "",
      ].join("\n");
      const r = await run(["drift-issue", "--key", "hostile", "--report", file("drift.md", hostile)]);
      assert.equal(r.status, 0, r.stderr);
      const html = renderGfm(gh.issues.find((i) => i.body.startsWith("<!-- tenancy-drift:hostile -->"))!.body.replace(/^<!--[^>]*-->\n/, ""));
      assert.deepEqual(problemsOf(html.replace(/<a href="https:\/\/github\.com\/acme\/infra\/actions\/runs\/4242">run<\/a>/, "")).filter((p) => !p.includes("<br />")), []);
      for (const line of ["mallory@", "eve@", "still visible", "Acme &lt;!-- hidden"]) assert.ok(html.replace(/\u2060/g, "").includes(line), `${line} is visible in ${html}`);
    });

    it("needs either a report or --resolved", async () => {
      const r = await run(["drift-issue", "--key", "prod"]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^tenancy: give either --report FILE \(the stack has drift\) or --resolved \(it has none\)\n/);
    });
  });
});
