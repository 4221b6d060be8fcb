import { z } from "zod";
import { apiKey, apiKeyInput, apiKeyPatch, createdApiKey } from "./api-key";
import { externalId, listQuery, page } from "./common";
import { mergePatchOf } from "./merge-patch";
import { operations } from "./operation";

const KEYS = "/v1/organizations/{orgId}/projects/{projectId}/api-keys";

export const API_KEY_OPERATIONS = operations({
  listApiKeys: {
    method: "GET",
    path: KEYS,
    summary: "A project's API keys, redacted",
    status: 200,
    query: listQuery({ externalId: externalId.optional(), status: z.enum(["active", "revoked", "expired"]).optional() }),
    response: page(apiKey),
  },
  createApiKey: {
    method: "POST",
    path: KEYS,
    summary: "Create an API key (the secret is in this response only)",
    status: 201,
    body: apiKeyInput,
    response: createdApiKey,
  },
  getApiKey: {
    method: "GET",
    path: `${KEYS}/{keyId}`,
    summary: "One API key, redacted",
    status: 200,
    response: apiKey,
  },
  updateApiKey: {
    method: "PATCH",
    path: `${KEYS}/{keyId}`,
    summary: "Rename an API key, or bring its expiry forward (never back; not in an archived project)",
    status: 200,
    body: mergePatchOf(apiKeyPatch),
    response: apiKey,
  },
  revokeApiKey: {
    method: "DELETE",
    path: `${KEYS}/{keyId}`,
    summary: "Revoke an API key",
    status: 204,
  },
});
