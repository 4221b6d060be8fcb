import { email, externalId, listQuery, page } from "./common";
import { membership, orgMemberInput, orgMemberPatch, serviceAccountInput } from "./membership";
import { mergePatchOf } from "./merge-patch";
import { operations } from "./operation";
import { createdToken, token, tokenInput, tokenPatch } from "./token";
import { sentInvitation } from "./invitation";

const MEMBERS = "/v1/organizations/{orgId}/members";
const SERVICE_ACCOUNTS = "/v1/organizations/{orgId}/service-accounts";
const SA_TOKENS = `${SERVICE_ACCOUNTS}/{userId}/tokens` as const;

/** An organization's members, its service accounts and their management tokens. */
export const MEMBER_OPERATIONS = operations({
  listOrganizationMembers: {
    method: "GET",
    path: MEMBERS,
    summary: "Organization members (people and service accounts)",
    status: 200,
    query: listQuery({ email: email.optional(), externalId: externalId.optional() }),
    response: page(membership),
  },
  addOrganizationMember: {
    method: "POST",
    path: MEMBERS,
    summary:
      "Add a person who has an account by email (never a service account); a person without one is invited instead (202), unless the organization provisions its own domain at sign-in (sso.enforced with autoProvision); 409 member_exists carries the existing membership, 409 invitation_pending the pending invitation",
    status: 201,
    body: orgMemberInput,
    response: membership,
    alternate: {
      status: 202,
      when: "the person has no account: invited instead (expiring in 7 days), with the invitation's one-time acceptUrl; they join with the role and externalId once they accept",
      response: sentInvitation,
    },
  },
  getOrganizationMember: {
    method: "GET",
    path: `${MEMBERS}/{userId}`,
    summary: "One organization member",
    status: 200,
    response: membership,
  },
  updateOrganizationMember: {
    method: "PATCH",
    path: `${MEMBERS}/{userId}`,
    summary: "Change a member's role (409 last_admin for the last admin)",
    status: 200,
    body: mergePatchOf(orgMemberPatch),
    response: membership,
  },
  removeOrganizationMember: {
    method: "DELETE",
    path: `${MEMBERS}/{userId}`,
    summary: "Remove a member and their project memberships (409 last_admin, owns_active_keys); a service account's tokens are revoked",
    status: 204,
  },
  listServiceAccounts: {
    method: "GET",
    path: SERVICE_ACCOUNTS,
    summary: "The organization's service accounts (also listed as members)",
    status: 200,
    query: listQuery({ externalId: externalId.optional() }),
    response: page(membership),
  },
  createServiceAccount: {
    method: "POST",
    path: SERVICE_ACCOUNTS,
    summary: "Create a service account holding an organization role (it exists in this organization only)",
    status: 201,
    body: serviceAccountInput,
    response: membership,
  },
  listServiceAccountTokens: {
    method: "GET",
    path: SA_TOKENS,
    summary: "A service account's management tokens, redacted",
    status: 200,
    query: listQuery({}),
    response: page(token),
  },
  createServiceAccountToken: {
    method: "POST",
    path: SA_TOKENS,
    summary: "Mint a management token for one of this organization's service accounts (the token is shown once)",
    status: 201,
    body: tokenInput,
    response: createdToken,
  },
  updateServiceAccountToken: {
    method: "PATCH",
    path: `${SA_TOKENS}/{tokenId}`,
    summary: "Bring a service account's token's expiry forward (never back): the end of a rotation's overlap",
    status: 200,
    body: mergePatchOf(tokenPatch),
    response: token,
  },
  revokeServiceAccountToken: {
    method: "DELETE",
    path: `${SA_TOKENS}/{tokenId}`,
    summary: "Revoke a service account's token (idempotent)",
    status: 204,
  },
});
