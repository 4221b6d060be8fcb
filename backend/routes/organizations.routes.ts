import { z } from "zod";
import { externalId, page } from "../../schema/common";
import { organization, organizationInput } from "../../schema/organization";
import { created } from "../http/idempotency";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { noContent, ok, route } from "../http/route";
import { createOrganization, deleteOrganization, getOrganization, listOrganizations, patchOrganization, toOrganization } from "../services/organizations.service";
import type { OrgRole } from "../../schema/organization";

const listOrgs = listQuery({ externalId: externalId.optional(), name: z.string().max(200).optional() });
const ORG = "/v1/organizations/{orgId}";

export const organizationRoutes = [
  route({
    method: "GET",
    path: "/v1/organizations",
    summary: "The organizations the caller belongs to",
    status: 200,
    query: listOrgs,
    response: page(organization),
    async handler({ ctx, query: q }) {
      const rows = await listOrganizations(ctx, { externalId: q.externalId, name: q.name }, pageRequest(q));
      return ok(toPage(rows, (r) => toOrganization(r, r.role as OrgRole)));
    },
  }),
  route({
    method: "POST",
    path: "/v1/organizations",
    summary: "Create an organization; the caller becomes its first admin",
    status: 201,
    body: organizationInput,
    response: organization,
    handler: (call) => created(call, (trx) => createOrganization(call.ctx, trx, call.body)),
  }),
  route({
    method: "GET",
    path: ORG,
    summary: "An organization (billing only for admin and billing roles)",
    status: 200,
    response: organization,
    async handler({ ctx, params }) {
      const org = await getOrganization(ctx, params.orgId);
      return ok(org, org.version);
    },
  }),
  route({
    method: "PATCH",
    path: ORG,
    summary: "Change an organization (JSON merge patch; If-Match honoured)",
    status: 200,
    body: organizationInput.partial(),
    response: organization,
    async handler({ ctx, params, body }) {
      const org = await patchOrganization(ctx, params.orgId, body);
      return ok(org, org.version);
    },
  }),
  route({
    method: "DELETE",
    path: ORG,
    summary: "Delete an organization (409 while active projects remain)",
    status: 204,
    async handler({ ctx, params }) {
      await deleteOrganization(ctx, params.orgId);
      return noContent();
    },
  }),
];
