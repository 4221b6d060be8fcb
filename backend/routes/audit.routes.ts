import { z } from "zod";
import { AUDIT_ACTIONS, auditEvent } from "../../schema/audit";
import { idOf, page, timestamp } from "../../schema/common";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { listOrgAuditEvents, toAuditEvent } from "../services/audit.service";

const listAuditQuery = listQuery({
  projectId: idOf("project").optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  actor: z.string().min(1).max(254).optional(),
  from: timestamp.optional(),
  to: timestamp.optional(),
});

/** Normalises an RFC 3339 bound to the stored UTC form, so string order is time order. */
const utc = (t?: string) => (t === undefined ? undefined : new Date(t).toISOString());

export const auditRoutes = [
  route({
    method: "GET",
    path: "/v1/organizations/{orgId}/audit-events",
    operationId: "listAuditEvents",
    scope: "organization",
    permission: "readAuditLog",
    summary: "The audit log, oldest first; filters projectId, action, actor (user id or email), from (inclusive), to (exclusive)",
    status: 200,
    query: listAuditQuery,
    response: page(auditEvent),
    async handler({ ctx, db, access, query: q }) {
      const filter = { projectId: q.projectId, action: q.action, actor: q.actor, from: utc(q.from), to: utc(q.to) };
      return toPage(await listOrgAuditEvents(ctx, db, access, filter, pageRequest(q)), toAuditEvent);
    },
  }),
];
