import { Changes, ObjectChange, summarizeChanges } from "./changes";
import { Authorship } from "./audit";
import { Directory } from "./directory";
import { Preview } from "./preview";

/**
 * Out-of-band changes: what refresh found changed in the backend since the stack last wrote it,
 * kept apart from the pull request's own changes, each with who made it and when (audit log).
 * The pull request's steps start from these objects: a `pulumi up` undoes them unless the
 * program adopts them, and the review of the pull request alone would never show them.
 */

export interface DriftEntry {
  urn: string;
  /** The object and what changed in it, in the review's words (not yet escaped). */
  what: string;
  change: string;
  author?: Authorship;
}

/** One entry per change refresh found, described as the pull request's own changes are. */
export function describeDrift(preview: Preview, directory?: Directory, authors = new Map<string, Authorship>()): DriftEntry[] {
  const drift = preview.drift ?? [];
  const drifted = new Set(drift.map((d) => d.urn));
  // The other resources as they are now, unchanged: they name the objects the drift concerns.
  const context = preview.steps.filter((s) => s.old && !drifted.has(s.urn)).map((s) => ({ ...s, op: "same" as const, new: s.old }));
  return drift.flatMap((d) => entries(summarizeChanges({ steps: [...context, d], complete: true }, directory)).map((e) => ({ urn: d.urn, ...e, author: authors.get(d.urn) })));
}

function entries(c: Changes): { what: string; change: string }[] {
  const fields = (fs: { field: string; before: string; after: string }[]) => fs.map((f) => `${f.field}: ${f.before} → ${f.after}`).join("; ");
  // An object whose outputs alone differ (its version, or the undeclared access a refresh records,
  // which has its own section) changed nothing a reviewer sees: "updated" would say nothing true.
  const seen = (o: ObjectChange) => o.change !== "updated" || o.fields.length > 0;
  return [
    ...c.access.map((a) => ({ what: `${a.who} in ${a.where}`, change: a.change === "changes" ? `role ${a.fromRole} → ${a.role}` : `${a.change} ${a.role}` })),
    ...c.keys.map((k) => ({ what: `key ${k.project ? `${k.project}/` : ""}${k.name}`, change: k.detail ? `${k.change}: ${k.detail}` : k.change })),
    ...c.projects.filter(seen).map((p) => ({ what: `project ${p.name}`, change: p.change === "archived" ? "archived or deleted" : fields(p.fields) || p.change })),
    ...c.organizations.filter(seen).map((o) => ({ what: `organization ${o.name}`, change: o.change === "deleted" ? "deleted" : fields(o.fields) || o.change })),
    ...c.others.map((o) => ({ what: o.name, change: o.op })),
  ];
}
