import { page } from "../../schema/common";
import { createdToken, token, tokenInput } from "../../schema/token";
import { me } from "../../schema/me";
import { created } from "../http/idempotency";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { noContent, ok, route } from "../http/route";
import { describeMe } from "../services/me.service";
import { createOwnToken, getOwnToken, listOwnTokens, revokeOwnToken, toToken } from "../services/tokens.service";

const listTokensQuery = listQuery({});

/** The caller's own identity and management tokens. */
export const tokenRoutes = [
  route({
    method: "GET",
    path: "/v1/me",
    summary: "The caller, their organizations and projects with roles",
    status: 200,
    response: me,
    handler: async ({ ctx }) => ok(await describeMe(ctx)),
  }),
  route({
    method: "GET",
    path: "/v1/tokens",
    summary: "The caller's management tokens, redacted",
    status: 200,
    query: listTokensQuery,
    response: page(token),
    async handler({ ctx, query: q }) {
      return ok(toPage(await listOwnTokens(ctx, pageRequest(q)), (r) => toToken(r, ctx.now)));
    },
  }),
  route({
    method: "POST",
    path: "/v1/tokens",
    summary: "Mint a management token for the caller (the token is in this response only)",
    status: 201,
    body: tokenInput,
    response: createdToken,
    handler: (call) => created(call, (trx) => createOwnToken(call.ctx, trx, call.body)),
  }),
  route({
    method: "GET",
    path: "/v1/tokens/{tokenId}",
    summary: "One of the caller's tokens, redacted",
    status: 200,
    response: token,
    handler: async ({ ctx, params }) => ok(await getOwnToken(ctx, params.tokenId)),
  }),
  route({
    method: "DELETE",
    path: "/v1/tokens/{tokenId}",
    summary: "Revoke one of the caller's tokens",
    status: 204,
    async handler({ ctx, params }) {
      await revokeOwnToken(ctx, params.tokenId);
      return noContent();
    },
  }),
];
