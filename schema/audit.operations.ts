import { z } from "zod";
import { AUDIT_ACTIONS, auditEvent } from "./audit";
import { idOf, listQuery, page, timestamp } from "./common";
import { operations } from "./operation";

export const AUDIT_OPERATIONS = operations({
  listAuditEvents: {
    method: "GET",
    path: "/v1/organizations/{orgId}/audit-events",
    summary: "The audit log, oldest first; filters projectId, action, actor (user id or email), from (inclusive), to (exclusive)",
    status: 200,
    query: listQuery({
      projectId: idOf("project").optional(),
      action: z.enum(AUDIT_ACTIONS).optional(),
      actor: z.string().min(1).max(254).optional(),
      from: timestamp.optional(),
      to: timestamp.optional(),
    }),
    response: page(auditEvent),
  },
});
