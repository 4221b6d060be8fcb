import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { credentialsFromEnv, redactor, UsageError } from "../review";
import { syncDriftIssue } from "../review/drift-issue";
import { GitHub, REPO as REPO_NAME } from "../review/github";
import { commentBody, upsertComment } from "../review/pr-comment";
import { parseArgs } from "./args";

/**
 * `tenancy comment` and `tenancy drift-issue`: the workflow's GitHub steps as commands of the
 * package, so what the workflow does is tested here. GitHub's coordinates come from the Actions
 * environment (GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID) and the token
 * from GITHUB_TOKEN (or GH_TOKEN); every credential the job holds is redacted from what is posted.
 */

export const GITHUB_USAGE = `  tenancy comment --pr N --review FILE [--plan FILE] [--key STACK] [--commit SHA] [--repo OWNER/NAME]
  tenancy drift-issue --key STACK (--report FILE | --resolved) [--repo OWNER/NAME]`;

export const GITHUB_HELP = `comment       posts the review FILE on pull request N, or updates the comment it posted
              before (one per --key), with the commit, the plan folded in and the run's link
drift-issue   opens or updates the one issue of a stack's drift (label tenancy-drift) with the
              report FILE, or closes it (--resolved) once the drift is gone`;

const REPO = { repo: {} };

export async function comment(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseArgs(argv, { ...REPO, pr: { number: { min: 1, max: 1e9 } }, review: {}, plan: {}, key: {}, commit: {} });
  if (!args.pr || !Number.isInteger(Number(args.pr))) throw new UsageError("--pr needs the pull request's number");
  if (!args.review) throw new UsageError("--review needs the file tenancy review wrote");
  const body = commentBody(
    { key: args.key ?? "default", review: readText("--review", args.review), plan: args.plan ? readText("--plan", args.plan) : undefined, commit: args.commit ?? env.GITHUB_SHA, runUrl: runUrl(env) },
    redactor(credentialsFromEnv(env)),
  );
  const { action, id } = await upsertComment(github(args, env), Number(args.pr), body);
  process.stdout.write(`${action} comment ${id} on pull request ${args.pr}\n`);
  return 0;
}

export async function driftIssue(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseArgs(argv, { ...REPO, key: {}, report: {}, resolved: { flag: true } });
  if (!args.key) throw new UsageError("--key needs the stack's name");
  if (!args.report === !args.resolved) throw new UsageError("give either --report FILE (the stack has drift) or --resolved (it has none)");
  const report = args.report ? readText("--report", args.report) : undefined;
  const { action, number } = await syncDriftIssue(github(args, env), { key: args.key, report, runUrl: runUrl(env) }, redactor(credentialsFromEnv(env)));
  process.stdout.write(action === "none" ? "no drift issue is open; nothing to close\n" : `${action} issue ${number}\n`);
  return 0;
}

function github(args: Record<string, string>, env: NodeJS.ProcessEnv): GitHub {
  const repo = args.repo ?? env.GITHUB_REPOSITORY;
  if (!repo) throw new UsageError("--repo needs the repository as owner/name (in a workflow GITHUB_REPOSITORY gives it)");
  if (!REPO_NAME.test(repo)) throw new UsageError(`--repo must be owner/name, not '${repo}'`);
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token) throw new UsageError("no GitHub token: set GITHUB_TOKEN (in a workflow: ${{ github.token }}, with pull-requests: write for comments, issues: write for issues)");
  return new GitHub({ repo, token, apiUrl: env.GITHUB_API_URL });
}

/** The Actions run's page, when the command runs in one. */
function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

function readText(option: string, file: string): string {
  const path = resolve(process.env.INIT_CWD ?? ".", file);
  if (!existsSync(path)) throw new UsageError(`${option}: no file ${path}`);
  return readFileSync(path, "utf8");
}
