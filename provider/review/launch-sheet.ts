import { indexModel, ProjectModel, TenancyModel } from "../guardrails/model";
import { KeyChange } from "./changes";
import { escapeMarkdown } from "./escape";
import { table } from "./markdown";
import { Redactor, redactor } from "./redact";

/**
 * The launch readiness sheet: per project, the seed's checklist (owner, key owner, primary
 * workload, expected spend, escalation contact) plus limits and key expiries. A missing item is
 * flagged; for production projects it is a launch blocker, elsewhere a gap to fill. A key or
 * service account token the preview rotates says how long its old one stays valid (`rotations`:
 * the review's key changes), so a launch is not planned around a credential about to stop.
 */

const MISSING = "⚠️ missing";

export function renderLaunchSheet(model: TenancyModel, title = "Launch readiness", redact: Redactor = redactor(), rotations: readonly KeyChange[] = []): string {
  /** A text from the program or the backend, as inert Markdown. */
  const text = (s: string) => escapeMarkdown(redact(s));
  const ix = indexModel(model);
  const out: string[] = [`## ${title}`, ""];
  if (!model.projects.length) return [...out, "No projects in this stack.", ""].join("\n");
  const orgMax = (p: ProjectModel) => ix.organization(p.orgUrn)?.settings.apiKeyMaxLifetimeDays as number | undefined;
  const rotated = rotations.filter((r) => r.change === "rotated");
  const overlapOf = new Map(rotated.map((r) => [`${r.project}\n${r.name}`, r.overlapHours]));
  let gaps = 0;
  const rows = [...model.projects]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => {
      const item = (v: string | number | undefined) => (v === undefined || v === "" ? (gaps++, MISSING) : text(String(v)));
      const keys = ix.keysOf(p.urn);
      const expiries = keys.length
        ? keys
            .map((k) => {
              const expiry = k.expiresInDays !== undefined ? `${k.expiresInDays} days` : orgMax(p) !== undefined ? `${orgMax(p)} days (organization maximum)` : (gaps++, `${MISSING} (never expires)`);
              const rotation = overlapOf.has(`${p.name}\n${k.name}`) ? `; ${oldOneValid("key", overlapOf.get(`${p.name}\n${k.name}`))}` : "";
              return text(`${k.name}: ${expiry}${rotation}`);
            })
            .join("<br>")
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
  // Service account tokens belong to no project: their rotations are listed under the table.
  for (const r of rotated.filter((r) => r.project === "")) out.push(`- ${text(`${r.name} rotates: ${oldOneValid("token", r.overlapHours)}`)}`, "");
  return redact(out.join("\n"));
}

/** What happens to the credential a rotation replaces, as `rotationOverlapHours` says (provider/overlap.ts). */
function oldOneValid(what: "key" | "token", overlapHours: number | undefined): string {
  return overlapHours ? `old ${what} valid until ${overlapHours} h after the rotation` : `old ${what} revoked at once`;
}
