#!/usr/bin/env node
import { resolve } from "node:path";
import { GuardrailOptions } from "../guardrails";
import { authorsOf, credentialsFromEnv, FailOn, loadPreview, providerConfig, providerConfigFindings, redactor, renderLaunchSheet, resolveIds, reviewPreview, summarizeChanges, UsageError } from "../review";
import { TenancyClient } from "../client";
import { after, before } from "../review/preview";
import { driftReport } from "../access";
import { buildModel } from "../guardrails/model";
import { parseArgs } from "./args";
import { drift, DRIFT_HELP, DRIFT_OPTIONS, DRIFT_USAGE } from "./drift";
import { comment, driftIssue, GITHUB_HELP, GITHUB_USAGE } from "./github-commands";
import { login, logout, whoami } from "./login";

/**
 * `tenancy review`, `tenancy launch-sheet` and `tenancy drift`: the report on stdout, errors on
 * stderr. Exit status: 0 done; 1 a guardrail finding at or above --fail-on (review) or undeclared
 * access (drift); 2 a wrong argument; 3 the preview, stack or backend could not be read.
 */

const USAGE = `usage:
  tenancy review [--stack S] [--cwd DIR] [--preview-json FILE] [--fail-on warning|mandatory]
                 [--max-admins N] [--max-admin-share F] [--base-cwd DIR] [--no-refresh]
  tenancy launch-sheet [--stack S] [--cwd DIR] [--preview-json FILE]
${DRIFT_USAGE}
  tenancy login [--endpoint URL] [--email E]
  tenancy logout [--endpoint URL]
  tenancy whoami [--endpoint URL]
${GITHUB_USAGE}

review        the access review of a preview, as Markdown for a pull-request comment; exits 1
              when a guardrail finding at or above --fail-on (default mandatory) exists
launch-sheet  per project, the launch checklist, limits and key expiries, each gap flagged
${GITHUB_HELP}
${DRIFT_HELP}--stack       the stack to preview (default: the selected one)
--cwd         the folder of the Pulumi program (default: the current folder)
--preview-json  read a saved 'pulumi preview --json --show-sames' instead of previewing
--no-refresh  preview without refreshing first: faster, but changes made in the backend
              outside the stack (shown apart, with who made them and when) are not seen
login         sign in through the backend's identity provider (prints a link and a code),
              keeping the session in $XDG_CONFIG_HOME/tenancy/credentials.json; the provider
              and these commands use it when neither tenancy:token nor TENANCY_TOKEN is set
logout        revoke the stored session's token and forget it
whoami        who the commands act as, where, until when, with SSO and MFA or not
--endpoint    the backend (default: TENANCY_ENDPOINT, the one signed in to, or http://127.0.0.1:7410)
--base-cwd    the program's folder in the base branch's checkout: a change of the stack's
              tenancy:endpoint or tenancy:token against it is a mandatory finding
`;

const COMMON = { stack: {}, cwd: {}, "preview-json": {} };
const COMMANDS = "review, launch-sheet, comment, drift-issue, drift, login, logout, whoami";

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === "review") {
    const args = parseArgs(rest, {
      ...COMMON,
      "fail-on": { values: ["warning", "mandatory"] },
      "max-admins": { number: { min: 1, max: 10_000 } },
      "max-admin-share": { number: { min: 0, max: 1 } },
      "base-cwd": {},
      "no-refresh": { flag: true },
    });
    if (args["base-cwd"] && args["preview-json"]) throw new UsageError("--base-cwd needs a stack to preview, not --preview-json");
    const { preview, stack, credentials, backend } = await load(args);
    // The backend's objects behind the ids the program names, read with the job's own token.
    const directory = backend ? await resolveIds(preview, new TenancyClient(backend)) : undefined;
    // Who made what refresh found, from the audit log.
    const authors = backend && directory && preview.drift?.length ? await authorsOf(preview.drift, directory, backend) : undefined;
    // Access in the stack's organizations and projects that no resource declares, as `tenancy drift` reports it.
    const state = before(preview).map((r) => ({ urn: r.urn, type: r.type, id: r.id, outputs: r.props }));
    const undeclared = backend && state.length ? await driftReport(new TenancyClient(backend), stack ?? "", state) : undefined;
    const guardrails: GuardrailOptions = {
      maxAdmins: args["max-admins"] ? Number(args["max-admins"]) : undefined,
      maxAdminShare: args["max-admin-share"] ? Number(args["max-admin-share"]) : undefined,
    };
    // Every credential this job holds, by value: the program under review could read each.
    const redact = redactor([...credentialsFromEnv(), ...credentials]);
    const extraFindings = args["base-cwd"] && stack ? providerConfigFindings(providerConfig(cwdOf(args["base-cwd"]), stack), providerConfig(cwdOf(args.cwd), stack), stack) : [];
    const review = reviewPreview(preview, { stack, failOn: args["fail-on"] as FailOn | undefined, guardrails, redact, extraFindings, directory, authors, undeclared });
    process.stdout.write(review.markdown);
    return review.exitCode;
  }
  if (command === "launch-sheet") {
    const args = parseArgs(rest, COMMON);
    const { preview, stack, credentials } = await load(args);
    const redact = redactor([...credentialsFromEnv(), ...credentials]);
    process.stdout.write(renderLaunchSheet(buildModel(after(preview)), `Launch readiness${stack ? ` of stack \`${stack}\`` : ""}`, redact, summarizeChanges(preview).keys));
    return 0;
  }
  if (command === "drift") {
    const args = parseArgs(rest, DRIFT_OPTIONS);
    return drift(args, cwdOf(args.cwd));
  }
  if (command === "login") return login(parseArgs(rest, { endpoint: {}, email: {} }));
  if (command === "logout") return logout(parseArgs(rest, { endpoint: {} }));
  if (command === "whoami") return whoami(parseArgs(rest, { endpoint: {} }));
  if (command === "comment") return comment(rest);
  if (command === "drift-issue") return driftIssue(rest);
  throw new UsageError(command ? `unknown command '${command}'; valid commands are ${COMMANDS}` : `no command given; valid commands are ${COMMANDS}`);
}

function load(args: Record<string, string>) {
  if (args["preview-json"] && args.stack) throw new UsageError("--stack and --preview-json exclude each other: a saved preview already names its stack");
  if (args["preview-json"] && args["no-refresh"]) throw new UsageError("--no-refresh needs a stack to preview, not --preview-json: a saved preview was refreshed or not when it was made");
  return loadPreview({ stack: args.stack, cwd: cwdOf(args.cwd), previewJson: args["preview-json"], refresh: !args["no-refresh"] });
}

/** A folder argument, relative to where `npm run` was called from. */
function cwdOf(dir: string | undefined): string {
  return resolve(process.env.INIT_CWD && !dir ? process.env.INIT_CWD : ".", dir ?? ".");
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`tenancy: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`tenancy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(3);
  },
);
