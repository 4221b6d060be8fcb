import { email, externalId, page } from "../../schema/common";
import { membership, orgMemberInput, orgMemberPatch, serviceAccountInput } from "../../schema/membership";
import { createdToken, tokenInput } from "../../schema/token";
import { orgAccess } from "../auth/access";
import { created } from "../http/idempotency";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { noContent, ok, route } from "../http/route";
import { addMember, changeMemberRole, getMember, listMembers, removeMember, toMembership } from "../services/members.service";
import { createServiceAccount, createServiceAccountToken } from "../services/service-accounts.service";

const MEMBERS = "/v1/organizations/{orgId}/members";
const SERVICE_ACCOUNTS = "/v1/organizations/{orgId}/service-accounts";
const listMembersQuery = listQuery({ email: email.optional(), externalId: externalId.optional() });
const listServiceAccountsQuery = listQuery({ externalId: externalId.optional() });

export const memberRoutes = [
  route({
    method: "GET",
    path: MEMBERS,
    summary: "Organization members (people and service accounts)",
    status: 200,
    query: listMembersQuery,
    response: page(membership),
    async handler({ ctx, params, query: q }) {
      return ok(toPage(await listMembers(ctx, params.orgId, { email: q.email, externalId: q.externalId }, pageRequest(q)), toMembership));
    },
  }),
  route({
    method: "POST",
    path: MEMBERS,
    summary: "Add a member by email (the user is created if missing); 409 member_exists carries the existing membership",
    status: 201,
    body: orgMemberInput,
    response: membership,
    async handler(call) {
      await orgAccess(call.ctx, call.store.db, call.params.orgId);
      return created(call, (trx) => addMember(call.ctx, trx, call.params.orgId, call.body));
    },
  }),
  route({
    method: "GET",
    path: `${MEMBERS}/{userId}`,
    summary: "One organization member",
    status: 200,
    response: membership,
    async handler({ ctx, params }) {
      const m = await getMember(ctx, params.orgId, params.userId);
      return ok(m, m.version);
    },
  }),
  route({
    method: "PATCH",
    path: `${MEMBERS}/{userId}`,
    summary: "Change a member's role (409 last_admin for the last admin)",
    status: 200,
    body: orgMemberPatch,
    response: membership,
    async handler({ ctx, params, body }) {
      const m = await changeMemberRole(ctx, params.orgId, params.userId, body);
      return ok(m, m.version);
    },
  }),
  route({
    method: "DELETE",
    path: `${MEMBERS}/{userId}`,
    summary: "Remove a member and their project memberships (409 last_admin, owns_active_keys)",
    status: 204,
    async handler({ ctx, params }) {
      await removeMember(ctx, params.orgId, params.userId);
      return noContent();
    },
  }),
  route({
    method: "GET",
    path: SERVICE_ACCOUNTS,
    summary: "The organization's service accounts (also listed as members)",
    status: 200,
    query: listServiceAccountsQuery,
    response: page(membership),
    async handler({ ctx, params, query: q }) {
      return ok(toPage(await listMembers(ctx, params.orgId, { externalId: q.externalId, kind: "service_account" }, pageRequest(q)), toMembership));
    },
  }),
  route({
    method: "POST",
    path: SERVICE_ACCOUNTS,
    summary: "Create a service account holding an organization role",
    status: 201,
    body: serviceAccountInput,
    response: membership,
    async handler(call) {
      await orgAccess(call.ctx, call.store.db, call.params.orgId);
      return created(call, (trx) => createServiceAccount(call.ctx, trx, call.params.orgId, call.body));
    },
  }),
  route({
    method: "POST",
    path: `${SERVICE_ACCOUNTS}/{userId}/tokens`,
    summary: "Mint a management token for a service account (the token is shown once)",
    status: 201,
    body: tokenInput,
    response: createdToken,
    async handler(call) {
      await orgAccess(call.ctx, call.store.db, call.params.orgId);
      return created(call, (trx) => createServiceAccountToken(call.ctx, trx, call.params.orgId, call.params.userId, call.body));
    },
  }),
];
