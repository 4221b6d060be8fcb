import { page } from "../../schema/common";
import { claimsQuery, confirmClaimsInput, pendingClaim } from "../../schema/claim";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { confirmClaims, listPendingClaims, toClaim } from "../services/claims.service";

/** The caller's own claims on the objects their creates made (services/claims.service.ts says why). */
export const claimRoutes = [
  route({
    method: "GET",
    path: "/v1/claims",
    operationId: "listClaims",
    scope: "user",
    permission: "self",
    summary: "The caller's pending claims: objects they created with an externalId and have not confirmed yet (objectId is an object's id, or scope/user for a membership)",
    status: 200,
    query: listQuery(claimsQuery),
    response: page(pendingClaim),
    async handler({ ctx, db, query: q }) {
      return toPage(await listPendingClaims(ctx, db, q.objectId, pageRequest(q)), toClaim);
    },
  }),
  route({
    method: "POST",
    path: "/v1/claims/confirm",
    operationId: "confirmClaims",
    scope: "user",
    permission: "self",
    summary: "Confirm the caller's own pending claims on these objects: their deployment recorded them, and no other create may recover them (ids without such a claim are passed over)",
    status: 204,
    body: confirmClaimsInput,
    async handler({ ctx, db, body }) {
      await confirmClaims(ctx, db, body.objectIds);
    },
  }),
];
