import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../support/backend";

/**
 * The pull-request workflow of examples/ci keeps least privilege: the job that runs a pull
 * request's program holds no token that can write, the deploy token lives only in the protected
 * environment of the merge job, and the review's code comes from the base branch.
 */

interface Job {
  if?: string;
  environment?: string;
  env?: Record<string, string>;
  steps: { uses?: string; with?: Record<string, string>; run?: string; env?: Record<string, string> }[];
}

describe("examples/ci/pull-request.yml", () => {
  const workflow = parse(readFileSync(join(ROOT, "examples", "ci", "pull-request.yml"), "utf8")) as { jobs: Record<string, Job> };
  const { review, deploy } = workflow.jobs;
  const text = (job: Job) => JSON.stringify(job);

  it("gives the pull request's job only the review token, never the deploy token", () => {
    assert.equal(review.env?.TENANCY_TOKEN, "${{ secrets.TENANCY_REVIEW_TOKEN }}");
    assert.doesNotMatch(text(review), /TENANCY_DEPLOY_TOKEN/);
    assert.equal(review.environment, undefined);
  });

  it("keeps the deploy token in the merge job's protected environment", () => {
    assert.match(deploy.if ?? "", /github\.event_name == 'push'/);
    assert.equal(deploy.environment, "tenancy-prod");
    assert.equal(deploy.env?.TENANCY_TOKEN, "${{ secrets.TENANCY_DEPLOY_TOKEN }}");
  });

  it("runs the review from the base branch's checkout and lockfile, the program from the pull request's", () => {
    const checkouts = review.steps.filter((s) => s.uses?.startsWith("actions/checkout"));
    assert.deepEqual(checkouts.map((s) => [s.with?.ref, s.with?.path]), [
      ["${{ github.event.pull_request.base.sha }}", "base"],
      ["${{ github.event.pull_request.head.sha }}", "pr"],
    ]);
    const run = review.steps.find((s) => s.run?.includes("tenancy review"))?.run ?? "";
    assert.match(run, /node base\/node_modules\/\.bin\/tenancy review .* --cwd "pr\/\$PROGRAM"/);
  });

  it("posts a failed preview's error instead of an empty review, and updates one comment per stack with tenancy comment", () => {
    const run = review.steps.find((s) => s.run?.includes("tenancy review"))?.run ?? "";
    assert.match(run, /if \[ "\$status" -ge 2 \]/);
    assert.match(run, /pulumi preview --diff .* > plan\.txt/);
    const post = review.steps.find((s) => s.run?.includes("tenancy comment"));
    assert.equal(post?.env?.GITHUB_TOKEN, "${{ github.token }}");
    assert.equal(
      post?.run,
      'node base/node_modules/.bin/tenancy comment --pr "${{ github.event.pull_request.number }}" --key "${{ matrix.stack }}" --review review.md --plan plan.txt --commit "${{ github.event.pull_request.head.sha }}"',
    );
  });

  it("repeats the review against the merged commit before up, and stops on a mandatory finding", () => {
    assert.equal(deploy.steps.find((s) => s.uses?.startsWith("actions/checkout"))?.with?.ref, "${{ github.sha }}");
    const reviewAt = deploy.steps.findIndex((s) => s.run?.includes("tenancy review"));
    const upAt = deploy.steps.findIndex((s) => s.run?.includes("pulumi up"));
    assert.ok(reviewAt >= 0 && reviewAt < upAt, "the review runs before pulumi up");
    const run = deploy.steps[reviewAt].run ?? "";
    assert.match(run, /--fail-on mandatory > review\.md\n/);
    // Piped into tee, the review's exit status would be lost (Actions' bash runs without pipefail).
    assert.doesNotMatch(run, /tenancy review[^\n]*\|/);
    assert.match(run, /exit \$status/);
  });

  it("checks drift on a schedule with the read-only token, keeping one issue per stack", () => {
    const { drift } = workflow.jobs;
    assert.deepEqual((workflow as unknown as { on: { schedule: unknown[] } }).on.schedule.length, 1);
    assert.equal(drift.if, "github.event_name == 'schedule'");
    assert.equal(drift.env?.TENANCY_TOKEN, "${{ secrets.TENANCY_REVIEW_TOKEN }}");
    assert.doesNotMatch(text(drift), /TENANCY_DEPLOY_TOKEN/);
    assert.deepEqual((drift as unknown as { permissions: Record<string, string> }).permissions, { contents: "read", issues: "write" });
    const run = drift.steps.find((s) => s.run?.includes("tenancy drift "))?.run ?? "";
    assert.match(run, /0\) npx tenancy drift-issue --key "\$\{\{ matrix\.stack \}\}" --resolved/);
    assert.match(run, /1\) npx tenancy drift-issue --key "\$\{\{ matrix\.stack \}\}" --report drift\.md/);
  });
});
