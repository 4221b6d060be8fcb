import { email, externalId, page } from "../../schema/common";
import { membership, orgMemberInput, orgMemberPatch, serviceAccountInput } from "../../schema/membership";
import { createdToken, token, tokenInput } from "../../schema/token";
import { mergePatchOf } from "../http/merge-patch";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { addMember, changeMemberRole, findMember, listMembers, removeMember, toMembership } from "../services/members.service";
import { createServiceAccount, createServiceAccountToken, listServiceAccountTokens, revokeServiceAccountToken } from "../services/service-accounts.service";
import { toToken } from "../services/tokens.service";

const MEMBERS = "/v1/organizations/{orgId}/members";
const SERVICE_ACCOUNTS = "/v1/organizations/{orgId}/service-accounts";
const SA_TOKENS = `${SERVICE_ACCOUNTS}/{userId}/tokens`;
const listMembersQuery = listQuery({ email: email.optional(), externalId: externalId.optional() });
const listServiceAccountsQuery = listQuery({ externalId: externalId.optional() });

export const memberRoutes = [
  route({
    method: "GET",
    path: MEMBERS,
    operationId: "listOrganizationMembers",
    scope: "organization",
    permission: "readOrganization",
    summary: "Organization members (people and service accounts)",
    status: 200,
    query: listMembersQuery,
    response: page(membership),
    async handler({ db, access, query: q }) {
      return toPage(await listMembers(db, access.org.id, { email: q.email, externalId: q.externalId }, pageRequest(q)), toMembership);
    },
  }),
  route({
    method: "POST",
    path: MEMBERS,
    operationId: "addOrganizationMember",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "Add a person by email (created if missing; never a service account); 409 member_exists carries the existing membership",
    status: 201,
    body: orgMemberInput,
    response: membership,
    handler: async ({ ctx, db, access, body }) => addMember(ctx, db, access, body),
  }),
  route({
    method: "GET",
    path: `${MEMBERS}/{userId}`,
    operationId: "getOrganizationMember",
    scope: "organization",
    permission: "readOrganization",
    summary: "One organization member",
    status: 200,
    response: membership,
    async handler({ db, access, params }) {
      const m = toMembership(await findMember(db, access.org.id, params.userId));
      return m;
    },
  }),
  route({
    method: "PATCH",
    path: `${MEMBERS}/{userId}`,
    operationId: "updateOrganizationMember",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "Change a member's role (409 last_admin for the last admin)",
    status: 200,
    body: mergePatchOf(orgMemberPatch),
    response: membership,
    ifMatch: ({ db, access, params }) => findMember(db, access.org.id, params.userId),
    handler: ({ ctx, db, access, target, body }) => changeMemberRole(ctx, db, access, target, body),
  }),
  route({
    method: "DELETE",
    path: `${MEMBERS}/{userId}`,
    operationId: "removeOrganizationMember",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "Remove a member and their project memberships (409 last_admin, owns_active_keys); a service account's tokens are revoked",
    status: 204,
    ifMatch: ({ db, access, params }) => findMember(db, access.org.id, params.userId),
    handler: ({ ctx, db, access, target }) => removeMember(ctx, db, access, target),
  }),
  route({
    method: "GET",
    path: SERVICE_ACCOUNTS,
    operationId: "listServiceAccounts",
    scope: "organization",
    permission: "readOrganization",
    summary: "The organization's service accounts (also listed as members)",
    status: 200,
    query: listServiceAccountsQuery,
    response: page(membership),
    async handler({ db, access, query: q }) {
      return toPage(await listMembers(db, access.org.id, { externalId: q.externalId, kind: "service_account" }, pageRequest(q)), toMembership);
    },
  }),
  route({
    method: "POST",
    path: SERVICE_ACCOUNTS,
    operationId: "createServiceAccount",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "Create a service account holding an organization role (it exists in this organization only)",
    status: 201,
    body: serviceAccountInput,
    response: membership,
    handler: async ({ ctx, db, access, body }) => createServiceAccount(ctx, db, access, body),
  }),
  route({
    method: "GET",
    path: SA_TOKENS,
    operationId: "listServiceAccountTokens",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "A service account's management tokens, redacted",
    status: 200,
    query: listQuery({}),
    response: page(token),
    async handler({ ctx, db, access, params, query: q }) {
      return toPage(await listServiceAccountTokens(db, access, params.userId, pageRequest(q)), (r) => toToken(r, ctx.now));
    },
  }),
  route({
    method: "POST",
    path: SA_TOKENS,
    operationId: "createServiceAccountToken",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "Mint a management token for one of this organization's service accounts (the token is shown once)",
    status: 201,
    body: tokenInput,
    response: createdToken,
    handler: async ({ ctx, db, access, params, body }) => createServiceAccountToken(ctx, db, access, params.userId, body),
  }),
  route({
    method: "DELETE",
    path: `${SA_TOKENS}/{tokenId}`,
    operationId: "revokeServiceAccountToken",
    scope: "organization",
    permission: "manageOrgMembers",
    summary: "Revoke a service account's token (idempotent)",
    status: 204,
    async handler({ ctx, db, access, params }) {
      await revokeServiceAccountToken(ctx, db, access, params.userId, params.tokenId);
    },
  }),
];
