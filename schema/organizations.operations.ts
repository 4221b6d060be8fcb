import { z } from "zod";
import { externalId, listQuery, page } from "./common";
import { mergePatchOf } from "./merge-patch";
import { operations } from "./operation";
import { organization, organizationInput } from "./organization";

const ORG = "/v1/organizations/{orgId}";

export const ORGANIZATION_OPERATIONS = operations({
  listOrganizations: {
    method: "GET",
    path: "/v1/organizations",
    summary: "The organizations the caller belongs to (those whose policy refuses this request are left out)",
    status: 200,
    query: listQuery({ externalId: externalId.optional(), name: z.string().max(200).optional() }),
    response: page(organization),
  },
  createOrganization: {
    method: "POST",
    path: "/v1/organizations",
    summary: "Create an organization; the caller becomes its first admin (people only: a service account stays in its one organization)",
    status: 201,
    body: organizationInput,
    response: organization,
  },
  getOrganization: {
    method: "GET",
    path: ORG,
    summary: "An organization (billing only for admin and billing roles; `enforcement` says which policies are enforced)",
    status: 200,
    response: organization,
  },
  updateOrganization: {
    method: "PATCH",
    path: ORG,
    summary: "Change an organization (JSON merge patch; If-Match honoured; billing roles may change billing only)",
    status: 200,
    body: mergePatchOf(organizationInput),
    response: organization,
  },
  deleteOrganization: {
    method: "DELETE",
    path: ORG,
    summary: "Delete an organization (409 while active projects remain; its service accounts' tokens are revoked)",
    status: 204,
  },
});
