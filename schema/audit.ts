import { z } from "zod";
import { idOf, timestamp } from "./common";

export const AUDIT_ACTIONS = [
  "organization.created",
  "organization.updated",
  "organization.deleted",
  "member.added",
  "member.role_changed",
  "member.removed",
  "service_account.created",
  "project.created",
  "project.updated",
  "project.archived",
  "api_key.created",
  "api_key.updated",
  "api_key.revoked",
  "token.created",
  "token.updated",
  "token.revoked",
  "policy.updated",
  "login.succeeded",
  "login.failed",
  "invitation.sent",
  "invitation.updated",
  "invitation.accepted",
  "invitation.revoked",
  "invitation.expired",
  // Instance-wide (organization null): the gateway credentials of the data plane.
  "gateway_credential.created",
  "gateway_credential.revoked",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditEvent = z.strictObject({
  id: idOf("auditEvent"),
  organizationId: idOf("organization"),
  projectId: idOf("project").optional(),
  actor: z.strictObject({ userId: idOf("user"), email: z.string(), ip: z.string() }),
  action: z.enum(AUDIT_ACTIONS),
  target: z.strictObject({ type: z.string(), id: z.string() }),
  changes: z.record(z.string(), z.strictObject({ from: z.unknown(), to: z.unknown() })),
  requestId: z.string(),
  at: timestamp,
});
export type AuditEvent = z.infer<typeof auditEvent>;
