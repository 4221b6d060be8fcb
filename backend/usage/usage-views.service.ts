import type { Invoice, UsageQuery, UsageRow } from "../../schema/usage";
import { notFound, OrgAccess } from "../auth/access";
import { policy } from "../auth/policy";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import { listUserProjectMemberships } from "../store/members.repository";
import { findProject } from "../store/projects.repository";
import { invoiceStatus } from "./data-plane.service";
import { formatUsd } from "./money";
import { monthlyLines, queryRollups } from "./usage.repository";

/**
 * Usage, costs and invoices of an organization, read from the rollups only. Org admins and
 * billing see the whole organization; anyone else sees the projects they are a member of.
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const BUCKETS = { "1h": { ms: HOUR, max: 31 * DAY, table: "usage_hourly" }, "1d": { ms: DAY, max: 366 * DAY, table: "usage_daily" } } as const;
const COLUMNS = { project: "project_id", apiKey: "api_key_id", model: "model" } as const;

/** Who reads: the organization as the pipeline resolved it (readUsage granted) and the caller. */
export interface Reader {
  db: Executor;
  access: OrgAccess;
  userId: string;
  now: string;
}

/** The projects the caller may see usage of; undefined = the whole organization. */
async function visibleProjects({ db, access, userId }: Reader, projectId?: string): Promise<string[] | undefined> {
  const orgId = access.org.id;
  let visible: string[] | undefined;
  if (!policy.seeAllProjects(access)) visible = (await listUserProjectMemberships(db, orgId, userId)).map((m) => m.project_id);
  if (projectId === undefined) return visible;
  const project = await findProject(db, projectId);
  if (!project || project.organization_id !== orgId || (visible && !visible.includes(projectId))) throw notFound("project", projectId);
  return [projectId];
}

function range(q: UsageQuery, now: Date): { from: string; to: string } {
  const { ms, max } = BUCKETS[q.bucket];
  const floor = (t: number) => Math.floor(t / ms) * ms;
  const to = q.to ? Date.parse(q.to) : floor(now.getTime()) + ms;
  const from = q.from ? Date.parse(q.from) : Math.min(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), to - ms);
  const edge = q.bucket === "1h" ? "a whole hour (UTC)" : "midnight UTC";
  if (from % ms !== 0) throw invalidField("from", `must be on a ${q.bucket} bucket boundary, ${edge}`);
  if (to % ms !== 0) throw invalidField("to", `must be on a ${q.bucket} bucket boundary, ${edge}`);
  // Name what the caller sent: with `to` left out, a bad `from` is the mistake.
  const until = new Date(to).toISOString();
  if (to <= from) throw q.to ? invalidField("to", "must be after from") : invalidField("from", `must be before to, which defaults to ${until} (the end of the current ${q.bucket} bucket)`);
  if (to - from > max) {
    throw q.to ? invalidField("to", `must be at most ${max / DAY} days after from with bucket ${q.bucket}`) : invalidField("from", `must be at most ${max / DAY} days before to (by default ${until}) with bucket ${q.bucket}`);
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export async function usageReport(r: Reader, q: UsageQuery): Promise<UsageRow[]> {
  const projectIds = await visibleProjects(r, q.projectId);
  const { from, to } = range(q, new Date(r.now));
  const { ms, table } = BUCKETS[q.bucket];
  const groupBy = (q.groupBy ?? []).map((g) => COLUMNS[g]);
  const rows = await queryRollups(r.db, { organizationId: r.access.org.id, table, from, to, groupBy, projectIds });
  return rows.map((row) => ({
    start: row.start,
    end: new Date(Date.parse(row.start) + ms).toISOString(),
    ...(row.project_id !== undefined ? { projectId: row.project_id } : {}),
    ...(row.api_key_id !== undefined ? { apiKeyId: row.api_key_id } : {}),
    ...(row.model !== undefined ? { model: row.model } : {}),
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: formatUsd(BigInt(row.cost_micros)),
  }));
}

/**
 * One invoice per month with usage, newest first. A month is final once nothing more can be added
 * to it: after its events are refused (MONTH_CLOSE_GRACE_MS after it ends, data-plane.service.ts)
 * and the batches accepted before that have committed.
 */
export async function invoices(r: Reader, month?: string): Promise<Invoice[]> {
  const projectIds = await visibleProjects(r);
  const now = new Date(r.now);
  const byMonth = new Map<string, { total: bigint; lines: Invoice["lines"] }>();
  for (const line of await monthlyLines(r.db, r.access.org.id, month, projectIds)) {
    const inv = byMonth.get(line.month) ?? { total: 0n, lines: [] };
    inv.total += BigInt(line.cost_micros);
    inv.lines.push({
      projectId: line.project_id,
      projectName: line.project_name,
      model: line.model,
      inputTokens: Number(line.input_tokens),
      outputTokens: Number(line.output_tokens),
      costUsd: formatUsd(BigInt(line.cost_micros)),
    });
    byMonth.set(line.month, inv);
  }
  return [...byMonth.entries()].map(([m, inv]) => ({ month: m, status: invoiceStatus(m, now), totalUsd: formatUsd(inv.total), lines: inv.lines }));
}
