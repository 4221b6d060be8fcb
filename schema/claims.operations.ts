import { claimsQuery, confirmClaimsInput, pendingClaim } from "./claim";
import { listQuery, page } from "./common";
import { operations } from "./operation";

/** The caller's own claims on the objects their creates made (backend/services/claims.service.ts says why). */
export const CLAIM_OPERATIONS = operations({
  listClaims: {
    method: "GET",
    path: "/v1/claims",
    summary: "The caller's pending claims: objects they created with an externalId and have not confirmed yet (objectId is an object's id, or scope/user for a membership)",
    status: 200,
    query: listQuery(claimsQuery),
    response: page(pendingClaim),
  },
  confirmClaims: {
    method: "POST",
    path: "/v1/claims/confirm",
    summary: "Confirm the caller's own pending claims on these objects: their deployment recorded them, and no other create may recover them (ids without such a claim are passed over)",
    status: 204,
    body: confirmClaimsInput,
  },
});
