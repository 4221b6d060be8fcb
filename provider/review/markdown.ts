import { Finding, PARTIAL_RULES } from "../guardrails/rules";
import { AccessChange, Changes, FieldChange } from "./changes";
import { escapeMarkdown } from "./escape";
import { Redactor, redactor } from "./redact";
import { DriftEntry } from "./drift";
import { describeAccess, DriftReport } from "../access";

/**
 * The review as Markdown for a pull-request comment: a summary line, then one table per kind of
 * change, then the guardrail findings, most severe first. Sections without changes are left out.
 */

export interface ReportInput {
  title: string;
  changes: Changes;
  findings: Finding[];
  /** False when the preview did not list unchanged resources: the guardrails saw part of the layout. */
  complete: boolean;
  /** Blanks out the credentials the job holds; by default only credential shapes. */
  redact?: Redactor;
  /** What refresh found changed outside the stack (describeDrift), shown apart from the pull request's changes. */
  drift?: DriftEntry[];
  /** False when the preview ran without refresh: the report says out-of-band changes are not shown. */
  refreshed?: boolean;
  /** Access in the stack's organizations and projects that no resource declares (`tenancy drift`). */
  undeclared?: DriftReport;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What happens to the credential a rotation replaces: it keeps working for the overlap, or is revoked once the new one exists. */
function rotation(overlapHours: number | undefined): string {
  if (!overlapHours) return "rotated (new one created first, the old one then revoked)";
  return `rotated (new one created first; the old one stays valid until ${overlapHours} h after the rotation)`;
}

/** "2 people gain access, 1 loses it, 1 key rotates, 1 policy change", or "no access changes". */
export function summaryLine(c: Changes): string {
  const count = (xs: AccessChange[], change: AccessChange["change"]) => xs.filter((a) => a.change === change).length;
  const parts: string[] = [];
  const gains = count(c.access, "gains");
  const loses = count(c.access, "loses");
  const changes = count(c.access, "changes");
  // People and grants apart: one person gaining three grants is not three people.
  const people = (change: AccessChange["change"]) => new Set(c.access.filter((a) => a.change === change).map((a) => a.who)).size;
  const grants = (n: number, verb: string) => (n === 1 ? `${verb} 1 grant` : `${verb} ${n} grants`);
  if (gains) parts.push(people("gains") === gains ? `${plural(gains, "person gains", "people gain")} access` : `${plural(people("gains"), "person", "people")} ${grants(gains, people("gains") === 1 ? "gains" : "gain")}`);
  if (loses) {
    const who = people("loses");
    if (who !== loses) parts.push(`${plural(who, "person", "people")} ${grants(loses, who === 1 ? "loses" : "lose")}`);
    else parts.push(gains ? `${loses} ${loses === 1 ? "loses it" : "lose it"}` : `${plural(loses, "person loses", "people lose")} access`);
  }
  if (changes) parts.push(`${plural(changes, "role changes", "roles change")}`);
  // Invited people gain nothing until they accept: counted apart, by person.
  if (count(c.access, "invited")) parts.push(plural(people("invited"), "person is invited", "people are invited"));
  const keys = (change: string) => c.keys.filter((k) => k.change === change).length;
  if (keys("created")) parts.push(`${plural(keys("created"), "key is created", "keys are created")}`);
  if (keys("rotated")) parts.push(`${plural(keys("rotated"), "key rotates", "keys rotate")}`);
  if (keys("revoked")) parts.push(`${plural(keys("revoked"), "key is revoked", "keys are revoked")}`);
  const projects = (change: string) => c.projects.filter((p) => p.change === change).length;
  if (projects("created")) parts.push(`${plural(projects("created"), "project is created", "projects are created")}`);
  if (projects("archived")) parts.push(`${plural(projects("archived"), "project is archived", "projects are archived")}`);
  if (projects("updated") + projects("moved")) parts.push(`${plural(projects("updated") + projects("moved"), "project changes", "projects change")}`);
  const policy = c.organizations.filter((o) => o.change === "updated").flatMap((o) => o.fields).filter((f) => /^(settings|securityPolicy)\./.test(f.field)).length;
  if (policy) parts.push(plural(policy, "policy change", "policy changes"));
  for (const change of ["created", "deleted"] as const) {
    const n = c.organizations.filter((o) => o.change === change).length;
    if (n) parts.push(plural(n, `organization is ${change}`, `organizations are ${change}`));
  }
  const orgFields = c.organizations.filter((o) => o.change === "updated").flatMap((o) => o.fields).length - policy;
  if (orgFields > 0) parts.push(plural(orgFields, "other organization change", "other organization changes"));
  if (c.others.length) parts.push(plural(c.others.length, "other resource changes", "other resources change"));
  return parts.length ? parts.join(", ") : "no access changes";
}

/**
 * A table of Markdown cells. Every cell is built from the report's own markup and texts passed
 * through `text` (below): the program's and the backend's words never reach it unescaped.
 */
export const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

export function renderReport(input: ReportInput): string {
  const { changes: c, findings } = input;
  const redact = input.redact ?? redactor();
  /** A text from the program or the backend, as inert Markdown. */
  const text = (s: string) => escapeMarkdown(redact(s));
  const fieldRows = (name: string, fields: FieldChange[]) => fields.map((f) => [text(name), text(f.field), text(f.before), text(f.after)]);
  const mandatory = findings.filter((f) => f.severity === "mandatory").length;
  const out: string[] = [`## ${input.title}`, ""];
  const guard = findings.length
    ? `${plural(findings.length, "guardrail finding", "guardrail findings")} (${mandatory} mandatory, ${findings.length - mandatory} warning${findings.length - mandatory === 1 ? "" : "s"}).`
    : "No guardrail findings.";
  out.push(`**${capitalize(summaryLine(c))}.** ${guard}`, "");
  if (input.drift?.length) {
    const rows = input.drift.map((d) => [text(d.what), text(d.change), d.author ? text(d.author.by.join(", ")) : "not in the audit log", d.author?.at ? text(d.author.at) : "–"]);
    out.push(
      "### Out-of-band changes (found by refresh)",
      "",
      `${capitalize(plural(input.drift.length, "change", "changes"))} made in the backend outside this stack since its last deployment, not by this pull request: the tables below start from ${input.drift.length === 1 ? "it" : "them"}, and \`pulumi up\` undoes ${input.drift.length === 1 ? "it" : "them"} unless the program adopts ${input.drift.length === 1 ? "it" : "them"}.`,
      "",
      table(["object", "change", "by", "when"], rows),
      "",
    );
  }

  const undeclared = input.undeclared?.scopes.flatMap((s) => s.undeclared.map((a) => [text(describeAccess(a)), text(`${s.scope} ${s.name}`)])) ?? [];
  if (undeclared.length) {
    out.push(
      "### Undeclared access",
      "",
      `${capitalize(plural(undeclared.length, "grant", "grants"))} in this stack's organizations and projects that no resource of the stack declares (made by hand, or by another stack): this pull request does not change ${undeclared.length === 1 ? "it" : "them"}; \`exclusiveAccess: true\` removes ${undeclared.length === 1 ? "it" : "them"} on \`up\`.`,
      "",
      table(["access", "where"], undeclared),
      "",
    );
  }

  if (c.access.length) {
    const order = { gains: 0, invited: 1, changes: 2, loses: 3 };
    const rows = [...c.access]
      .sort((a, b) => order[a.change] - order[b.change] || a.where.localeCompare(b.where) || a.who.localeCompare(b.who))
      .map((a) => [a.kind === "serviceAccount" ? `${text(a.who)} (CI)` : text(a.who), a.change, text(a.fromRole ? `${a.fromRole} → ${a.role}` : a.role), text(a.where)]);
    out.push("### Access", "", table(["who", "change", "role", "where"], rows), "");
  }
  if (c.keys.length) {
    const rows = c.keys.map((k) => [
      text(k.project ? `${k.project}/${k.name}` : k.name),
      k.change === "rotated" ? rotation(k.overlapHours) : k.change,
      text(k.owner),
      text(k.permissions),
      text(k.expiry),
      text(k.detail ?? ""),
    ]);
    out.push(c.keys.some((k) => !k.project) ? "### API keys and service-account tokens" : "### API keys", "", table(["key", "change", "owner", "permissions", "expiry", "detail"], rows), "");
  }
  if (c.projects.length) {
    const rows = c.projects.flatMap((p) => (p.fields.length ? fieldRows(p.name, p.fields).map((r) => [r[0], p.change, ...r.slice(1)]) : [[text(p.name), p.change, "", "", ""]]));
    out.push("### Projects", "", table(["project", "change", "field", "before", "after"], rows), "");
  }
  if (c.organizations.length) {
    const rows = c.organizations.flatMap((o) => (o.fields.length ? fieldRows(o.name, o.fields) : [[text(o.name), o.change, "", ""]]));
    out.push("### Organization settings and security policy", "", table(["organization", "field", "before", "after"], rows), "");
  }
  if (c.others.length) {
    out.push("### Other resources", "", "Resources of types this review does not describe; check them in the preview.", "", table(["resource", "type", "change"], c.others.map((o) => [text(o.name), text(o.type), text(o.op)])), "");
  }
  if (findings.length) {
    const rows = findings.map((f) => [f.severity === "mandatory" ? "**mandatory**" : "warning", `\`${f.rule}\``, text(f.subject), text(f.message), text(f.fix)]);
    out.push("### Guardrails", "", table(["severity", "rule", "subject", "finding", "what to change"], rows), "");
  }
  if (!input.complete) {
    const ran = PARTIAL_RULES.map((r) => `\`${r}\``).join(", ");
    out.push(`_The saved preview does not list unchanged resources (it was made without \`--show-sames\`), so only the guardrails about one resource at a time ran (${ran}): save it with \`pulumi preview --json --show-sames\` to check the whole layout._`, "");
  }
  if (input.refreshed === false) {
    out.push("_Made without refresh (`--no-refresh`): changes made in the backend outside this stack are not shown._", "");
  }
  return redact(out.join("\n"));
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
