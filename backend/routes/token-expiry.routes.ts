import { token, tokenPatch } from "../../schema/token";
import { mergePatchOf } from "../http/merge-patch";
import { route } from "../http/route";
import { updateServiceAccountToken } from "../services/token-expiry.service";

/** A service account's token: its expiry brought forward when a rotation's overlap ends. */
export const tokenExpiryRoutes = [
  route({
    method: "PATCH",
    path: "/v1/organizations/{orgId}/service-accounts/{userId}/tokens/{tokenId}",
    operationId: "updateServiceAccountToken",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "Bring a service account's token's expiry forward (never back): the end of a rotation's overlap",
    status: 200,
    body: mergePatchOf(tokenPatch),
    response: token,
    handler: ({ ctx, db, access, params, body }) => updateServiceAccountToken(ctx, db, access, params.userId, params.tokenId, body),
  }),
];
