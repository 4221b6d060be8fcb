import { z } from "zod";
import { days, email, externalId, idOf, meta, name, timestamp } from "./common";

export const apiKeyInput = z.strictObject({
  name,
  owner: email,
  permissions: z.enum(["all", "read_only"]).default("all"),
  expiresInDays: days.optional(),
  externalId: externalId.optional(),
});
export type ApiKeyInput = z.input<typeof apiKeyInput>;

/**
 * Only the name of a key can change, and its expiry be brought forward (never pushed back: the end
 * of a rotation's overlap); anything else is a new key (a rotation).
 */
export const apiKeyPatch = z.strictObject({ name, expiresAt: timestamp.optional() });

export const apiKey = z.strictObject({
  id: idOf("apiKey"),
  projectId: idOf("project"),
  organizationId: idOf("organization"),
  name,
  owner: email,
  permissions: z.enum(["all", "read_only"]),
  redactedValue: z.string(),
  expiresAt: timestamp.optional(),
  lastUsedAt: timestamp.optional(),
  status: z.enum(["active", "revoked", "expired"]),
  externalId: externalId.optional(),
  ...meta,
});
export type ApiKey = z.infer<typeof apiKey>;

/** The create response: the only time the secret is ever shown. */
export const createdApiKey = apiKey.extend({ secret: z.string().optional() });
export type CreatedApiKey = z.infer<typeof createdApiKey>;
