import { z } from "zod";
import { externalId, page } from "../../schema/common";
import { apiKey, apiKeyInput, apiKeyPatch, createdApiKey } from "../../schema/api-key";
import { projectAccess } from "../auth/access";
import { created } from "../http/idempotency";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { noContent, ok, route } from "../http/route";
import { createKey, getKey, listKeys, renameKey, revokeKey, toApiKey } from "../services/api-keys.service";

const KEYS = "/v1/organizations/{orgId}/projects/{projectId}/api-keys";
const listKeysQuery = listQuery({ externalId: externalId.optional(), status: z.enum(["active", "revoked", "expired"]).optional() });

export const apiKeyRoutes = [
  route({
    method: "GET",
    path: KEYS,
    summary: "A project's API keys, redacted",
    status: 200,
    query: listKeysQuery,
    response: page(apiKey),
    async handler({ ctx, params, query: q }) {
      const rows = await listKeys(ctx, params.orgId, params.projectId, { externalId: q.externalId, status: q.status }, pageRequest(q));
      return ok(toPage(rows, (r) => toApiKey(r, ctx.now)));
    },
  }),
  route({
    method: "POST",
    path: KEYS,
    summary: "Create an API key (the secret is in this response only)",
    status: 201,
    body: apiKeyInput,
    response: createdApiKey,
    async handler(call) {
      const { orgId, projectId } = call.params;
      await projectAccess(call.ctx, call.store.db, orgId, projectId);
      return created(call, (trx) => createKey(call.ctx, trx, orgId, projectId, call.body));
    },
  }),
  route({
    method: "GET",
    path: `${KEYS}/{keyId}`,
    summary: "One API key, redacted",
    status: 200,
    response: apiKey,
    async handler({ ctx, params }) {
      const k = await getKey(ctx, params.orgId, params.projectId, params.keyId);
      return ok(k, k.version);
    },
  }),
  route({
    method: "PATCH",
    path: `${KEYS}/{keyId}`,
    summary: "Rename an API key",
    status: 200,
    body: apiKeyPatch,
    response: apiKey,
    async handler({ ctx, params, body }) {
      const k = await renameKey(ctx, params.orgId, params.projectId, params.keyId, body);
      return ok(k, k.version);
    },
  }),
  route({
    method: "DELETE",
    path: `${KEYS}/{keyId}`,
    summary: "Revoke an API key",
    status: 204,
    async handler({ ctx, params }) {
      await revokeKey(ctx, params.orgId, params.projectId, params.keyId);
      return noContent();
    },
  }),
];
