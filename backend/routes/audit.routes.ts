import { AUDIT_OPERATIONS as OPS } from "../../schema/audit.operations";
import { pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { listOrgAuditEvents, toAuditEvent } from "../services/audit.service";

/** Normalises an RFC 3339 bound to the stored UTC form, so string order is time order. */
const utc = (t?: string) => (t === undefined ? undefined : new Date(t).toISOString());

export const auditRoutes = [
  route(OPS.listAuditEvents, {
    scope: "organization",
    permission: "readAuditLog",
    async handler({ ctx, db, access, query: q }) {
      const filter = { projectId: q.projectId, action: q.action, actor: q.actor, from: utc(q.from), to: utc(q.to) };
      return toPage(await listOrgAuditEvents(ctx, db, access, filter, pageRequest(q)), toAuditEvent);
    },
  }),
];
