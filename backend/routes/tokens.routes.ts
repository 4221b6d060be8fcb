import { TOKEN_OPERATIONS as OPS } from "../../schema/tokens.operations";
import { pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { describeMe } from "../services/me.service";
import { createOwnToken, getOwnToken, listOwnTokens, revokeOwnToken, toToken } from "../services/tokens.service";

/** The caller's own identity and management tokens. */
export const tokenRoutes = [
  route(OPS.getMe, {
    scope: "user",
    permission: "self",
    handler: async ({ ctx, db }) => describeMe(ctx, db),
  }),
  route(OPS.listTokens, {
    scope: "user",
    permission: "self",
    async handler({ ctx, db, query: q }) {
      return toPage(await listOwnTokens(ctx, db, pageRequest(q)), (r) => toToken(r, ctx.now));
    },
  }),
  route(OPS.createToken, {
    scope: "user",
    permission: "person",
    handler: async ({ ctx, db, body }) => createOwnToken(ctx, db, body),
  }),
  route(OPS.getToken, {
    scope: "user",
    permission: "self",
    handler: async ({ ctx, db, params }) => getOwnToken(ctx, db, params.tokenId),
  }),
  route(OPS.revokeToken, {
    scope: "user",
    permission: "self",
    async handler({ ctx, db, params }) {
      await revokeOwnToken(ctx, db, params.tokenId);
    },
  }),
];
