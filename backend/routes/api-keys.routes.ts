import { API_KEY_OPERATIONS as OPS } from "../../schema/api-keys.operations";
import { pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { createKey, findKey, listKeys, manageableKey, updateKey, revokeKey, toApiKey } from "../services/api-keys.service";

export const apiKeyRoutes = [
  route(OPS.listApiKeys, {
    scope: "project",
    permission: "readProject",
    async handler({ ctx, db, access, query: q }) {
      const rows = await listKeys(ctx, db, access, { externalId: q.externalId, status: q.status }, pageRequest(q));
      return toPage(rows, (r) => toApiKey(r, ctx.now));
    },
  }),
  route(OPS.createApiKey, {
    scope: "project",
    permission: "manageKeys",
    activeProject: true,
    handler: async ({ ctx, db, access, body }) => createKey(ctx, db, access, body),
  }),
  route(OPS.getApiKey, {
    scope: "project",
    permission: "readProject",
    handler: async ({ ctx, db, access, params }) => toApiKey(await findKey(db, access, params.keyId), ctx.now),
  }),
  route(OPS.updateApiKey, {
    scope: "project",
    permission: "manageKeys",
    ifMatch: ({ ctx, db, access, params }) => manageableKey(ctx, db, access, params.keyId),
    activeProject: true,
    handler: ({ ctx, db, target, body }) => updateKey(ctx, db, target, body),
  }),
  route(OPS.revokeApiKey, {
    scope: "project",
    permission: "manageKeys",
    // No activeProject: archiving revoked every key, so revoking one there is the no-op 204.
    ifMatch: ({ ctx, db, access, params }) => manageableKey(ctx, db, access, params.keyId),
    handler: ({ ctx, db, target }) => revokeKey(ctx, db, target),
  }),
];
