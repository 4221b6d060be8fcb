import { indexModel, ProjectModel, TenancyModel } from "../guardrails/model";
import { escapeMarkdown } from "./escape";
import { table } from "./markdown";
import { Redactor, redactor } from "./redact";

/**
 * The launch readiness sheet: per project, the seed's checklist (owner, key owner, primary
 * workload, expected spend, escalation contact) plus limits and key expiries. A missing item is
 * flagged; for production projects it is a launch blocker, elsewhere a gap to fill.
 */

const MISSING = "⚠️ missing";

export function renderLaunchSheet(model: TenancyModel, title = "Launch readiness", redact: Redactor = redactor()): string {
  /** A text from the program or the backend, as inert Markdown. */
  const text = (s: string) => escapeMarkdown(redact(s));
  const ix = indexModel(model);
  const out: string[] = [`## ${title}`, ""];
  if (!model.projects.length) return [...out, "No projects in this stack.", ""].join("\n");
  const orgMax = (p: ProjectModel) => ix.organization(p.orgUrn)?.settings.apiKeyMaxLifetimeDays as number | undefined;
  let gaps = 0;
  const rows = [...model.projects]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => {
      const item = (v: string | number | undefined) => (v === undefined || v === "" ? (gaps++, MISSING) : text(String(v)));
      const keys = ix.keysOf(p.urn);
      const expiries = keys.length
        ? keys.map((k) => text(`${k.name}: ${k.expiresInDays !== undefined ? `${k.expiresInDays} days` : orgMax(p) !== undefined ? `${orgMax(p)} days (organization maximum)` : (gaps++, `${MISSING} (never expires)`)}`)).join("<br>")
        : "no keys";
      const limits = [
        p.limits.requestsPerMinute !== undefined ? `${p.limits.requestsPerMinute} req/min` : undefined,
        p.limits.tokensPerMinute !== undefined ? `${p.limits.tokensPerMinute} tokens/min` : undefined,
        p.limits.monthlyBudgetUsd !== undefined ? `$${p.limits.monthlyBudgetUsd}/month budget` : undefined,
      ].filter(Boolean);
      return [
        text(p.name),
        text(p.environment ?? "?"),
        item(p.owner),
        item(p.keyOwner),
        item(p.workload),
        item(p.expectedMonthlySpendUsd !== undefined ? `$${p.expectedMonthlySpendUsd}/month` : undefined),
        item(p.escalationContact),
        limits.length ? text(limits.join(", ")) : item(undefined),
        expiries,
      ];
    });
  const header = ["project", "environment", "owner", "key owner", "primary workload", "expected spend", "escalation contact", "limits", "key expiries"];
  out.push(table(header, rows), "");
  out.push(gaps ? `**${gaps} missing item${gaps === 1 ? "" : "s"}** to fill before launch.` : "Every item is filled in.", "");
  return redact(out.join("\n"));
}
