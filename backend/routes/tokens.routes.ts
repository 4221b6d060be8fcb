import { page } from "../../schema/common";
import { createdToken, token, tokenInput } from "../../schema/token";
import { me } from "../../schema/me";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { describeMe } from "../services/me.service";
import { createOwnToken, getOwnToken, listOwnTokens, revokeOwnToken, toToken } from "../services/tokens.service";

const listTokensQuery = listQuery({});

/** The caller's own identity and management tokens. */
export const tokenRoutes = [
  route({
    method: "GET",
    path: "/v1/me",
    operationId: "getMe",
    scope: "user",
    permission: "self",
    summary: "The caller, their organizations and projects with roles (organizations whose policy refuses this request are left out)",
    status: 200,
    response: me,
    handler: async ({ ctx, db }) => describeMe(ctx, db),
  }),
  route({
    method: "GET",
    path: "/v1/tokens",
    operationId: "listTokens",
    scope: "user",
    permission: "self",
    summary: "The caller's management tokens, redacted",
    status: 200,
    query: listTokensQuery,
    response: page(token),
    async handler({ ctx, db, query: q }) {
      return toPage(await listOwnTokens(ctx, db, pageRequest(q)), (r) => toToken(r, ctx.now));
    },
  }),
  route({
    method: "POST",
    path: "/v1/tokens",
    operationId: "createToken",
    scope: "user",
    permission: "person",
    summary: "Mint a management token for the caller (shown in this response only; it inherits the calling token's age and expiry; people only: a service account's tokens are minted by its organization's admins)",
    status: 201,
    body: tokenInput,
    response: createdToken,
    handler: async ({ ctx, db, body }) => createOwnToken(ctx, db, body),
  }),
  route({
    method: "GET",
    path: "/v1/tokens/{tokenId}",
    operationId: "getToken",
    scope: "user",
    permission: "self",
    summary: "One of the caller's tokens, redacted",
    status: 200,
    response: token,
    handler: async ({ ctx, db, params }) => getOwnToken(ctx, db, params.tokenId),
  }),
  route({
    method: "DELETE",
    path: "/v1/tokens/{tokenId}",
    operationId: "revokeToken",
    scope: "user",
    permission: "self",
    summary: "Revoke one of the caller's tokens",
    status: 204,
    async handler({ ctx, db, params }) {
      await revokeOwnToken(ctx, db, params.tokenId);
    },
  }),
];
