import type { Executor } from "../store/db";
import { insertOrgMember, insertProjectMember } from "../store/members.repository";
import { membershipClaimId } from "../../schema/claim";
import { AuditEntry, Changes, recordAudit } from "./audit.service";
import { recordClaim } from "./claims.service";
import type { Ctx } from "./context";

export interface NewMembership {
  organizationId: string;
  /** A project membership when set; an organization membership otherwise. */
  projectId?: string;
  user: { id: string; email: string };
  role: string;
  externalId?: string;
  /** Whose claim the externalId is when not the caller's: an invitation's sender, at its acceptance. */
  claimedBy?: string;
}

/**
 * Inserts a membership, its claim (when it has an `externalId`: claims.service.ts) and its audit
 * event in the request's transaction: `member.added` with the
 * address and role, unless the caller names another event (a service account's creation).
 */
export async function addMembership(ctx: Ctx, db: Executor, m: NewMembership, event?: { action: AuditEntry["action"]; changes: Changes }): Promise<void> {
  const row = { user_id: m.user.id, organization_id: m.organizationId, role: m.role, external_id: m.externalId ?? null, version: 1, created_at: ctx.now, updated_at: ctx.now };
  if (m.projectId) await insertProjectMember(db, { ...row, project_id: m.projectId });
  else await insertOrgMember(db, row);
  await recordClaim(ctx, db, membershipClaimId(m.projectId ?? m.organizationId, m.user.id), m.externalId, m.claimedBy);
  await recordAudit(ctx, db, {
    organizationId: m.organizationId,
    projectId: m.projectId,
    action: event?.action ?? "member.added",
    target: { type: "user", id: m.user.id },
    changes: event?.changes ?? { email: { from: null, to: m.user.email }, role: { from: null, to: m.role } },
  });
}
