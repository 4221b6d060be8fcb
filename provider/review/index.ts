import { evaluate, Finding, GuardrailOptions, PARTIAL_RULES, sortFindings } from "../guardrails";
import { changeFindings } from "./change-rules";
import { Redactor } from "./redact";
import { summarizeChanges } from "./changes";
import { renderReport } from "./markdown";
import { Preview } from "./preview";
import { Directory } from "./directory";
import { describeDrift } from "./drift";
import { Authorship } from "./audit";

export { Changes, summarizeChanges } from "./changes";
export { renderLaunchSheet } from "./launch-sheet";
export { renderReport, summaryLine } from "./markdown";
export { escapeMarkdown } from "./escape";
export { credentialsFromEnv, Redactor, redactor } from "./redact";
export { after, before, fromSteps, parsePreview, Preview, Step } from "./preview";
export { providerConfig, providerConfigFindings } from "./provider-config";
export { Directory, resolveIds } from "./directory";
export { Authorship, authorsOf } from "./audit";
export { describeDrift, DriftEntry } from "./drift";
export { LoadedPreview, loadPreview, PreviewSource, UsageError } from "./run";

import type { DriftReport } from "../access";

export type FailOn = "warning" | "mandatory";

export interface Review {
  markdown: string;
  findings: Finding[];
  /** 1 when a finding at or above `failOn` exists, else 0. */
  exitCode: 0 | 1;
}

/** The access review of one preview: the Markdown report and the exit status it calls for. */
export interface ReviewOptions {
  stack?: string;
  failOn?: FailOn;
  guardrails?: GuardrailOptions;
  redact?: Redactor;
  /** Findings the caller made outside the preview (the provider's configuration). */
  extraFindings?: Finding[];
  /** The backend's objects behind the preview's ids (resolveIds): names as the backend holds them. */
  directory?: Directory;
  /** Access no resource of the stack declares in its organizations and projects (driftReport). */
  undeclared?: DriftReport;
  /** Who made each out-of-band change refresh found, by URN (authorsOf). */
  authors?: Map<string, Authorship>;
}

export function reviewPreview(preview: Preview, options: ReviewOptions = {}): Review {
  const changes = summarizeChanges(preview, options.directory);
  // Without the unchanged resources, rules across resources (memberships, admins) would see
  // half a layout and report what is not there: only the rules about one project run then.
  const findings = sortFindings([...evaluate(changes.after, options.guardrails, preview.complete ? undefined : PARTIAL_RULES), ...changeFindings(changes), ...(options.extraFindings ?? [])]);
  const title = `Access review${options.stack ? ` of stack \`${options.stack}\`` : ""}`;
  const drift = describeDrift(preview, options.directory, options.authors);
  const markdown = renderReport({ title, changes, findings, complete: preview.complete, redact: options.redact, drift, refreshed: preview.refreshed, undeclared: options.undeclared });
  const failOn = options.failOn ?? "mandatory";
  const failing = findings.some((f) => failOn === "warning" || f.severity === "mandatory");
  return { markdown, findings, exitCode: failing ? 1 : 0 };
}
