import { z } from "zod";
import { externalId, page } from "../../schema/common";
import { apiKey, apiKeyInput, apiKeyPatch, createdApiKey } from "../../schema/api-key";
import { mergePatchOf } from "../http/merge-patch";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { createKey, findKey, listKeys, manageableKey, updateKey, revokeKey, toApiKey } from "../services/api-keys.service";

const KEYS = "/v1/organizations/{orgId}/projects/{projectId}/api-keys";
const listKeysQuery = listQuery({ externalId: externalId.optional(), status: z.enum(["active", "revoked", "expired"]).optional() });

export const apiKeyRoutes = [
  route({
    method: "GET",
    path: KEYS,
    operationId: "listApiKeys",
    scope: "project",
    permission: "readProject",
    summary: "A project's API keys, redacted",
    status: 200,
    query: listKeysQuery,
    response: page(apiKey),
    async handler({ ctx, db, access, query: q }) {
      const rows = await listKeys(ctx, db, access, { externalId: q.externalId, status: q.status }, pageRequest(q));
      return toPage(rows, (r) => toApiKey(r, ctx.now));
    },
  }),
  route({
    method: "POST",
    path: KEYS,
    operationId: "createApiKey",
    scope: "project",
    permission: "manageKeys",
    summary: "Create an API key (the secret is in this response only)",
    status: 201,
    body: apiKeyInput,
    response: createdApiKey,
    activeProject: true,
    handler: async ({ ctx, db, access, body }) => createKey(ctx, db, access, body),
  }),
  route({
    method: "GET",
    path: `${KEYS}/{keyId}`,
    operationId: "getApiKey",
    scope: "project",
    permission: "readProject",
    summary: "One API key, redacted",
    status: 200,
    response: apiKey,
    async handler({ ctx, db, access, params }) {
      const k = toApiKey(await findKey(db, access, params.keyId), ctx.now);
      return k;
    },
  }),
  route({
    method: "PATCH",
    path: `${KEYS}/{keyId}`,
    operationId: "updateApiKey",
    scope: "project",
    permission: "manageKeys",
    summary: "Rename an API key, or bring its expiry forward (never back; not in an archived project)",
    status: 200,
    body: mergePatchOf(apiKeyPatch),
    response: apiKey,
    ifMatch: ({ ctx, db, access, params }) => manageableKey(ctx, db, access, params.keyId),
    activeProject: true,
    handler: ({ ctx, db, target, body }) => updateKey(ctx, db, target, body),
  }),
  route({
    method: "DELETE",
    path: `${KEYS}/{keyId}`,
    operationId: "revokeApiKey",
    scope: "project",
    permission: "manageKeys",
    summary: "Revoke an API key",
    status: 204,
    // No activeProject: archiving revoked every key, so revoking one there is the no-op 204.
    ifMatch: ({ ctx, db, access, params }) => manageableKey(ctx, db, access, params.keyId),
    handler: ({ ctx, db, target }) => revokeKey(ctx, db, target),
  }),
];
