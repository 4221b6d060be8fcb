import type { AuditAction, AuditEvent } from "../../schema/audit";
import { policy } from "../auth/policy";
import type { OrgAccess } from "../auth/access";
import { newId } from "../auth/credentials";
import type { Executor } from "../store/db";
import { AuditFilter, insertAuditEvent, listAuditEvents } from "../store/audit.repository";
import { listOwnedProjectIds } from "../store/members.repository";
import type { PageRequest } from "../store/page";
import type { AuditEventRow } from "../store/tables";
import { compact } from "./context";
import type { Ctx } from "./context";

export type Changes = Record<string, { from: unknown; to: unknown }>;

export interface AuditEntry {
  organizationId: string | null;
  projectId?: string;
  action: AuditAction;
  target: { type: string; id: string };
  changes: Changes;
}

/** Fields that could carry a secret never reach the log, whatever a caller passes in. */
const NEVER_LOGGED = new Set(["secret", "token", "hash"]);

/** Appends one event, in the caller's transaction: the change and its record commit together. */
export async function recordAudit(ctx: Ctx, trx: Executor, entry: AuditEntry): Promise<void> {
  const changes = Object.fromEntries(Object.entries(entry.changes).filter(([k]) => !NEVER_LOGGED.has(k)));
  await insertAuditEvent(trx, {
    id: newId("evt"),
    organization_id: entry.organizationId,
    project_id: entry.projectId ?? null,
    actor_user_id: ctx.caller.user.id,
    actor_email: ctx.caller.user.email,
    actor_ip: ctx.ip,
    action: entry.action,
    target_type: entry.target.type,
    target_id: entry.target.id,
    changes: JSON.stringify(changes),
    request_id: ctx.requestId,
    at: ctx.now,
  });
}

/** `changes` of a newly created object: every field, from null. */
export function creationChanges(obj: Record<string, unknown>, skip: string[] = ["createdAt", "updatedAt", "version"]): Changes {
  const out: Changes = {};
  for (const [k, v] of Object.entries(obj)) if (!skip.includes(k)) out[k] = { from: null, to: v };
  return out;
}

export function toAuditEvent(row: AuditEventRow): AuditEvent {
  return compact({
    id: row.id,
    organizationId: row.organization_id!,
    projectId: row.project_id ?? undefined,
    actor: { userId: row.actor_user_id, email: row.actor_email, ip: row.actor_ip },
    action: row.action as AuditAction,
    target: { type: row.target_type, id: row.target_id },
    changes: JSON.parse(row.changes) as Changes,
    requestId: row.request_id,
    at: row.at,
  });
}

/** Admins and viewers read the whole log; project owners (the pipeline let them in) the events of the projects they own. */
export async function listOrgAuditEvents(ctx: Ctx, db: Executor, access: OrgAccess, filter: AuditFilter, page: PageRequest) {
  if (!policy.readWholeAuditLog(access)) {
    filter = { ...filter, projectIds: await listOwnedProjectIds(db, access.org.id, ctx.caller.user.id) };
  }
  return listAuditEvents(db, access.org.id, filter, page);
}
