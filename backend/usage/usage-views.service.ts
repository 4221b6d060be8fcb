import type { Invoice, UsageQuery, UsageRow } from "../../schema/usage";
import { notFound, orgAccess } from "../auth/access";
import { policy } from "../auth/policy";
import { invalidField } from "../http/validate";
import type { Ctx } from "../services/context";
import { listUserProjectMemberships } from "../store/members.repository";
import { findProject } from "../store/projects.repository";
import { monthKey } from "./limits";
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

/** The projects the caller may see usage of; undefined = the whole organization. */
async function visibleProjects(ctx: Ctx, orgId: string, projectId?: string): Promise<string[] | undefined> {
  const access = await orgAccess(ctx, ctx.store.db, orgId);
  let visible: string[] | undefined;
  if (!policy.seeAllProjects(access)) visible = (await listUserProjectMemberships(ctx.store.db, orgId, ctx.caller.user.id)).map((m) => m.project_id);
  if (projectId === undefined) return visible;
  const project = await findProject(ctx.store.db, projectId);
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
  if (to <= from) throw invalidField("to", "must be after from");
  if (to - from > max) throw invalidField("to", `must be at most ${max / DAY} days after from with bucket ${q.bucket}`);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export async function usageReport(ctx: Ctx, orgId: string, q: UsageQuery): Promise<UsageRow[]> {
  const projectIds = await visibleProjects(ctx, orgId, q.projectId);
  const { from, to } = range(q, new Date(ctx.now));
  const { ms, table } = BUCKETS[q.bucket];
  const groupBy = (q.groupBy ?? []).map((g) => COLUMNS[g]);
  const rows = await queryRollups(ctx.store.db, { organizationId: orgId, table, from, to, groupBy, projectIds });
  return rows.map((r) => ({
    start: r.start,
    end: new Date(Date.parse(r.start) + ms).toISOString(),
    ...(r.project_id !== undefined ? { projectId: r.project_id } : {}),
    ...(r.api_key_id !== undefined ? { apiKeyId: r.api_key_id } : {}),
    ...(r.model !== undefined ? { model: r.model } : {}),
    requests: Number(r.requests),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costUsd: formatUsd(Number(r.cost_micros)),
  }));
}

/** One invoice per month with usage, newest first; a month that has ended is final (events for it are refused). */
export async function invoices(ctx: Ctx, orgId: string, month?: string): Promise<Invoice[]> {
  const projectIds = await visibleProjects(ctx, orgId);
  const current = monthKey(new Date(ctx.now));
  const byMonth = new Map<string, { total: number; lines: Invoice["lines"] }>();
  for (const r of await monthlyLines(ctx.store.db, orgId, month, projectIds)) {
    const inv = byMonth.get(r.month) ?? { total: 0, lines: [] };
    inv.total += Number(r.cost_micros);
    inv.lines.push({
      projectId: r.project_id,
      projectName: r.project_name,
      model: r.model,
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      costUsd: formatUsd(Number(r.cost_micros)),
    });
    byMonth.set(r.month, inv);
  }
  return [...byMonth.entries()].map(([m, inv]) => ({ month: m, status: m < current ? "final" : "open", totalUsd: formatUsd(inv.total), lines: inv.lines }));
}
