import { newId } from "../auth/credentials";
import { insertAuditEvent } from "../store/audit.repository";
import type { Executor } from "../store/db";

/** Where the request came from, for the audit log. */
export interface Origin {
  ip: string;
  requestId: string;
}

/** A sign-in's audit event: kept outside any organization unless it changed one (auto-provisioning). */
export async function audit(db: Executor, origin: Origin, action: "login.succeeded" | "login.failed" | "member.added", actor: { id: string; email: string }, changes: Record<string, unknown>, organizationId: string | null = null): Promise<void> {
  await insertAuditEvent(db, {
    id: newId("evt"),
    // Signing in happens outside any organization: the event is kept, served by no organization's log.
    organization_id: organizationId,
    project_id: null,
    actor_user_id: actor.id,
    actor_email: actor.email,
    actor_ip: origin.ip,
    action,
    target_type: "user",
    target_id: actor.id,
    changes: JSON.stringify(Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, { from: null, to: v }]))),
    request_id: origin.requestId,
    at: new Date().toISOString(),
  });
}
