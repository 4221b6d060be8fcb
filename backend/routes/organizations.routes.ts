import { z } from "zod";
import { externalId, page } from "../../schema/common";
import { organization, organizationInput } from "../../schema/organization";
import { mergePatchOf } from "../http/merge-patch";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { createOrganization, deleteOrganization, getOrganization, listOrganizations, patchOrganization, toOrganization } from "../services/organizations.service";
import type { OrgRole } from "../../schema/organization";

const listOrgs = listQuery({ externalId: externalId.optional(), name: z.string().max(200).optional() });
const ORG = "/v1/organizations/{orgId}";

export const organizationRoutes = [
  route({
    method: "GET",
    path: "/v1/organizations",
    operationId: "listOrganizations",
    scope: "user",
    permission: "self",
    summary: "The organizations the caller belongs to (those whose policy refuses this request are left out)",
    status: 200,
    query: listOrgs,
    response: page(organization),
    async handler({ ctx, db, query: q }) {
      const rows = await listOrganizations(ctx, db, { externalId: q.externalId, name: q.name }, pageRequest(q));
      return toPage(rows, (r) => toOrganization(r, r.role as OrgRole));
    },
  }),
  route({
    method: "POST",
    path: "/v1/organizations",
    operationId: "createOrganization",
    scope: "user",
    permission: "person",
    summary: "Create an organization; the caller becomes its first admin (people only: a service account stays in its one organization)",
    status: 201,
    body: organizationInput,
    response: organization,
    handler: async ({ ctx, db, body }) => createOrganization(ctx, db, body),
    replayOrganization: (access, db) => getOrganization(db, access),
  }),
  route({
    method: "GET",
    path: ORG,
    operationId: "getOrganization",
    scope: "organization",
    permission: "readOrganization",
    summary: "An organization (billing only for admin and billing roles; `enforcement` says which policies are enforced)",
    status: 200,
    response: organization,
    handler: ({ access, db }) => getOrganization(db, access),
  }),
  route({
    method: "PATCH",
    path: ORG,
    operationId: "updateOrganization",
    scope: "organization",
    permission: "editOrganization",
    summary: "Change an organization (JSON merge patch; If-Match honoured; billing roles may change billing only)",
    status: 200,
    body: mergePatchOf(organizationInput),
    response: organization,
    ifMatch: ({ access }) => access.org,
    handler: ({ ctx, db, access, body }) => patchOrganization(ctx, db, access, body),
  }),
  route({
    method: "DELETE",
    path: ORG,
    operationId: "deleteOrganization",
    scope: "organization",
    permission: "changeOrganization",
    summary: "Delete an organization (409 while active projects remain; its service accounts' tokens are revoked)",
    status: 204,
    ifMatch: ({ access }) => access.org,
    handler: ({ ctx, db, access }) => deleteOrganization(ctx, db, access),
  }),
];
