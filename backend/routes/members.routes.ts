import { MEMBER_OPERATIONS as OPS } from "../../schema/members.operations";
import { pageRequest, toPage } from "../http/pagination";
import { alternate, route } from "../http/route";
import { addMember, changeMemberRole, findMember, listMembers, removeMember } from "../services/members.service";
import { toMembership } from "../services/membership-rules";
import { createServiceAccount, createServiceAccountToken, listServiceAccountTokens, revokeServiceAccountToken } from "../services/service-accounts.service";
import { toToken } from "../services/tokens.service";

export const memberRoutes = [
  route(OPS.listOrganizationMembers, {
    scope: "organization",
    permission: "readOrganization",
    async handler({ db, access, query: q }) {
      return toPage(await listMembers(db, access.org.id, { email: q.email, externalId: q.externalId }, pageRequest(q)), toMembership);
    },
  }),
  route(OPS.addOrganizationMember, {
    scope: "organization",
    permission: "manageOrgMembers",
    answers: ["invitation_pending"],
    async handler({ ctx, db, access, body }) {
      const added = await addMember(ctx, db, access, body);
      return added.invitation ? alternate(added.invitation) : added.membership;
    },
  }),
  route(OPS.getOrganizationMember, {
    scope: "organization",
    permission: "readOrganization",
    handler: async ({ db, access, params }) => toMembership(await findMember(db, access.org.id, params.userId)),
  }),
  route(OPS.updateOrganizationMember, {
    scope: "organization",
    permission: "manageOrgMembers",
    ifMatch: ({ db, access, params }) => findMember(db, access.org.id, params.userId),
    handler: ({ ctx, db, access, target, body }) => changeMemberRole(ctx, db, access, target, body),
  }),
  route(OPS.removeOrganizationMember, {
    scope: "organization",
    permission: "manageOrgMembers",
    ifMatch: ({ db, access, params }) => findMember(db, access.org.id, params.userId),
    handler: ({ ctx, db, access, target }) => removeMember(ctx, db, access, target),
  }),
  route(OPS.listServiceAccounts, {
    scope: "organization",
    permission: "readOrganization",
    async handler({ db, access, query: q }) {
      return toPage(await listMembers(db, access.org.id, { externalId: q.externalId, kind: "service_account" }, pageRequest(q)), toMembership);
    },
  }),
  route(OPS.createServiceAccount, {
    scope: "organization",
    permission: "manageOrgMembers",
    handler: async ({ ctx, db, access, body }) => createServiceAccount(ctx, db, access, body),
  }),
  route(OPS.listServiceAccountTokens, {
    scope: "organization",
    permission: "manageOrgMembers",
    async handler({ ctx, db, access, params, query: q }) {
      return toPage(await listServiceAccountTokens(db, access, params.userId, pageRequest(q)), (r) => toToken(r, ctx.now));
    },
  }),
  route(OPS.createServiceAccountToken, {
    scope: "organization",
    permission: "manageOrgMembers",
    handler: async ({ ctx, db, access, params, body }) => createServiceAccountToken(ctx, db, access, params.userId, body),
  }),
  route(OPS.revokeServiceAccountToken, {
    scope: "organization",
    permission: "manageOrgMembers",
    async handler({ ctx, db, access, params }) {
      await revokeServiceAccountToken(ctx, db, access, params.userId, params.tokenId);
    },
  }),
];
