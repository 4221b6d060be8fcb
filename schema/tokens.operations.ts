import { listQuery, page } from "./common";
import { me } from "./me";
import { operations } from "./operation";
import { createdToken, token, tokenInput } from "./token";

/** The caller's own identity and management tokens. */
export const TOKEN_OPERATIONS = operations({
  getMe: {
    method: "GET",
    path: "/v1/me",
    summary: "The caller, their organizations and projects with roles (organizations whose policy refuses this request are left out)",
    status: 200,
    response: me,
  },
  listTokens: {
    method: "GET",
    path: "/v1/tokens",
    summary: "The caller's management tokens, redacted",
    status: 200,
    query: listQuery({}),
    response: page(token),
  },
  createToken: {
    method: "POST",
    path: "/v1/tokens",
    summary:
      "Mint a management token for the caller (shown in this response only; it inherits the calling token's age and expiry; people only: a service account's tokens are minted by its organization's admins)",
    status: 201,
    body: tokenInput,
    response: createdToken,
  },
  getToken: {
    method: "GET",
    path: "/v1/tokens/{tokenId}",
    summary: "One of the caller's tokens, redacted",
    status: 200,
    response: token,
  },
  revokeToken: {
    method: "DELETE",
    path: "/v1/tokens/{tokenId}",
    summary: "Revoke one of the caller's tokens",
    status: 204,
  },
});
