import { MEMBER_OPERATIONS as OPS } from "../../schema/members.operations";
import { route } from "../http/route";
import { updateServiceAccountToken } from "../services/token-expiry.service";

/** A service account's token: its expiry brought forward when a rotation's overlap ends. */
export const tokenExpiryRoutes = [
  route(OPS.updateServiceAccountToken, {
    scope: "organization",
    permission: "manageOrgMembers",
    handler: ({ ctx, db, access, params, body }) => updateServiceAccountToken(ctx, db, access, params.userId, params.tokenId, body),
  }),
];
