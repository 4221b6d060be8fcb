import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { AuditEventRow } from "./tables";

export interface AuditFilter {
  projectId?: string;
  action?: string;
  /** A user id or an email. */
  actor?: string;
  from?: string;
  to?: string;
  /** Restricts to these projects' events (a project owner's view); undefined means all. */
  projectIds?: string[];
}

export async function insertAuditEvent(db: Executor, row: AuditEventRow): Promise<void> {
  await db.insertInto("audit_events").values(row).execute();
}

export function listAuditEvents(db: Executor, orgId: string, filter: AuditFilter, page: PageRequest) {
  let q = db.selectFrom("audit_events").selectAll().where("organization_id", "=", orgId);
  if (filter.projectId !== undefined) q = q.where("project_id", "=", filter.projectId);
  if (filter.action !== undefined) q = q.where("action", "=", filter.action);
  if (filter.actor !== undefined) {
    const actor = filter.actor;
    q = q.where((eb) => eb.or([eb("actor_user_id", "=", actor), eb("actor_email", "=", actor.toLowerCase())]));
  }
  if (filter.from !== undefined) q = q.where("at", ">=", filter.from);
  if (filter.to !== undefined) q = q.where("at", "<", filter.to);
  if (filter.projectIds !== undefined) {
    // No projects: matches nothing (PostgreSQL refuses a NUL sentinel; no id is empty).
    q = q.where("project_id", "in", filter.projectIds.length > 0 ? filter.projectIds : [""]);
  }
  return fetchPage(q, ["at", "id"], page, (r) => [r.at, r.id]);
}
