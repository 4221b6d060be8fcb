import { ORGANIZATION_OPERATIONS as OPS } from "../../schema/organizations.operations";
import type { OrgRole } from "../../schema/organization";
import { pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { createOrganization, deleteOrganization, getOrganization, listOrganizations, patchOrganization, toOrganization } from "../services/organizations.service";

export const organizationRoutes = [
  route(OPS.listOrganizations, {
    scope: "user",
    permission: "self",
    async handler({ ctx, db, query: q }) {
      const rows = await listOrganizations(ctx, db, { externalId: q.externalId, name: q.name }, pageRequest(q));
      return toPage(rows, (r) => toOrganization(r, r.role as OrgRole));
    },
  }),
  route(OPS.createOrganization, {
    scope: "user",
    permission: "person",
    handler: async ({ ctx, db, body }) => createOrganization(ctx, db, body),
    replayOrganization: (access, db) => getOrganization(db, access),
  }),
  route(OPS.getOrganization, {
    scope: "organization",
    permission: "readOrganization",
    handler: ({ access, db }) => getOrganization(db, access),
  }),
  route(OPS.updateOrganization, {
    scope: "organization",
    permission: "editOrganization",
    ifMatch: ({ access }) => access.org,
    handler: ({ ctx, db, access, body }) => patchOrganization(ctx, db, access, body),
  }),
  route(OPS.deleteOrganization, {
    scope: "organization",
    permission: "changeOrganization",
    ifMatch: ({ access }) => access.org,
    handler: ({ ctx, db, access }) => deleteOrganization(ctx, db, access),
  }),
];
