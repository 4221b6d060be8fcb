import { CLAIM_OPERATIONS as OPS } from "../../schema/claims.operations";
import { pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { confirmClaims, listPendingClaims, toClaim } from "../services/claims.service";

/** The caller's own claims on the objects their creates made (services/claims.service.ts says why). */
export const claimRoutes = [
  route(OPS.listClaims, {
    scope: "user",
    permission: "self",
    async handler({ ctx, db, query: q }) {
      return toPage(await listPendingClaims(ctx, db, q.objectId, pageRequest(q)), toClaim);
    },
  }),
  route(OPS.confirmClaims, {
    scope: "user",
    permission: "self",
    async handler({ ctx, db, body }) {
      await confirmClaims(ctx, db, body.objectIds);
    },
  }),
];
