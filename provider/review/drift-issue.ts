import { escapeMarkdownLines } from "./escape";
import { GitHub } from "./github";
import { markerOf } from "./pr-comment";
import { Redactor } from "./redact";

/**
 * The scheduled drift check's one issue per stack: opened when drift appears, updated while it
 * lasts, closed with a note once it is gone. Found again by its label and hidden marker, so
 * each run touches the same issue instead of opening another.
 */

export const DRIFT_LABEL = "tenancy-drift";

interface Issue {
  number: number;
  body?: string | null;
  pull_request?: unknown;
}

export interface DriftIssueInput {
  key: string;
  /** The drift report (Markdown); undefined when the stack has no drift. */
  report?: string;
  runUrl?: string;
}

export type DriftIssueAction = "opened" | "updated" | "closed" | "none";

export async function syncDriftIssue(gh: GitHub, input: DriftIssueInput, redact: Redactor): Promise<{ action: DriftIssueAction; number?: number }> {
  const marker = markerOf(input.key, "drift");
  const open = (await gh.list<Issue>(`/issues?state=open&labels=${DRIFT_LABEL}`, `open ${DRIFT_LABEL} issues`)).find((i) => !i.pull_request && i.body?.startsWith(marker));
  const run = input.runUrl ? `\n\n[run](${encodeURI(input.runUrl)})` : "";
  if (input.report === undefined) {
    if (!open) return { action: "none" };
    await gh.send("POST", `/issues/${open.number}/comments`, `issue ${open.number}'s comments`, { body: `The backend matches stack \`${input.key}\` again: no drift left.${run}` });
    await gh.send("PATCH", `/issues/${open.number}`, `issue ${open.number}`, { state: "closed", state_reason: "completed" });
    return { action: "closed", number: open.number };
  }
  // The report is text that names objects from the program and the backend: escaped, so no name
  // can hide the rest of the issue, mention someone or link anywhere.
  const body = `${marker}\n${escapeMarkdownLines(redact(input.report.trimEnd()))}${run}\n`;
  if (open) {
    await gh.send("PATCH", `/issues/${open.number}`, `issue ${open.number}`, { body });
    return { action: "updated", number: open.number };
  }
  const created = await gh.send<Issue>("POST", "/issues", "issues", { title: `Drift in stack ${input.key}: the backend differs from the program`, body, labels: [DRIFT_LABEL] });
  return { action: "opened", number: created.number };
}
