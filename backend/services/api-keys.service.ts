import { ApiKey, apiKeyInput, apiKeyPatch, CreatedApiKey } from "../../schema/api-key";
import { TenancyError } from "../../schema/errors";
import { assertProjectActive, isIdOf, notFound, projectAccess } from "../auth/access";
import { API_KEY_PREFIX, hashSecret, newId, newSecret, redact } from "../auth/credentials";
import { allow, policy } from "../auth/policy";
import { checkIfMatch } from "../http/etag";
import { mergeAndValidate } from "../http/merge-patch";
import { invalidField, parseInput } from "../http/validate";
import type { Executor, Trx } from "../store/db";
import { ApiKeyFilter, ApiKeyView, findApiKey, findLiveKeyByExternalId, findUnrevokedKeys, insertApiKey, listApiKeys, updateApiKey } from "../store/api-keys.repository";
import { findProjectMember } from "../store/members.repository";
import { findUserByEmail } from "../store/users.repository";
import type { PageRequest } from "../store/page";
import { creationChanges, recordAudit } from "./audit.service";
import { compact, Ctx, transaction } from "./context";

function statusOf(k: ApiKeyView, now: string): ApiKey["status"] {
  if (k.revoked_at) return "revoked";
  if (k.expires_at && k.expires_at <= now) return "expired";
  return "active";
}

export function toApiKey(k: ApiKeyView, now: string): ApiKey {
  return compact({
    id: k.id,
    projectId: k.project_id,
    organizationId: k.organization_id,
    name: k.name,
    owner: k.owner_email,
    permissions: k.permissions as ApiKey["permissions"],
    redactedValue: k.redacted,
    expiresAt: k.expires_at,
    lastUsedAt: k.last_used_at,
    status: statusOf(k, now),
    externalId: k.external_id,
    createdAt: k.created_at,
    updatedAt: k.updated_at,
    version: k.version,
  });
}

/** 409 `owns_active_keys` naming each key: nothing is revoked behind the caller's back. */
export async function assertNoActiveKeys(ctx: Ctx, db: Executor, where: { projectId?: string; organizationId?: string; ownerUserId: string }, email: string) {
  const keys = (await findUnrevokedKeys(db, where)).filter((k) => statusOf(k, ctx.now) === "active");
  if (keys.length === 0) return;
  const names = keys.map((k) => `${k.name} (${k.id})`).join(", ");
  throw new TenancyError("owns_active_keys", `${email} still owns active API keys: ${names}; revoke them or create replacements owned by someone else first`, {
    keys: keys.map((k) => ({ id: k.id, name: k.name, projectId: k.project_id, redactedValue: k.redacted })),
  });
}

export async function listKeys(ctx: Ctx, orgId: string, projectId: string, filter: Omit<ApiKeyFilter, "now">, page: PageRequest) {
  await projectAccess(ctx, ctx.store.db, orgId, projectId);
  return listApiKeys(ctx.store.db, projectId, { ...filter, now: ctx.now }, page);
}

async function visibleKey(db: Executor, projectId: string, keyId: string): Promise<ApiKeyView> {
  const key = isIdOf("apiKey", keyId) ? await findApiKey(db, projectId, keyId) : undefined;
  if (!key) throw notFound("api key", keyId);
  return key;
}

export async function getKey(ctx: Ctx, orgId: string, projectId: string, keyId: string): Promise<ApiKey> {
  await projectAccess(ctx, ctx.store.db, orgId, projectId);
  return toApiKey(await visibleKey(ctx.store.db, projectId, keyId), ctx.now);
}

function expiryFor(ctx: Ctx, settingsJson: string, expiresInDays: number | undefined): string {
  const max = (JSON.parse(settingsJson) as { apiKeyMaxLifetimeDays?: number }).apiKeyMaxLifetimeDays;
  if (max !== undefined && expiresInDays !== undefined && expiresInDays > max) {
    const message = `must be at most ${max} days (settings.apiKeyMaxLifetimeDays)`;
    throw invalidField("expiresInDays", message);
  }
  const days = expiresInDays ?? max;
  return days === undefined ? "" : new Date(Date.parse(ctx.now) + days * 86_400_000).toISOString();
}

/** Admins and project owners create keys for any project member; members only for themselves. */
export async function createKey(ctx: Ctx, trx: Trx, orgId: string, projectId: string, body: unknown): Promise<CreatedApiKey> {
  const access = await projectAccess(ctx, trx, orgId, projectId, { lock: true });
  allow(policy.manageOwnKeys(access), "create API keys in this project");
  const input = parseInput(apiKeyInput, body);
  assertProjectActive(access.project);
  const owner = await findUserByEmail(trx, input.owner);
  if (!owner || !(await findProjectMember(trx, projectId, owner.id))) {
    const message = `must be the email of a member of project ${projectId}`;
    throw invalidField("owner", message);
  }
  allow(policy.manageAnyKey(access) || owner.id === ctx.caller.user.id, "create keys owned by someone else");
  if (input.externalId !== undefined && (await findLiveKeyByExternalId(trx, projectId, input.externalId))) {
    throw new TenancyError("external_id_taken", `externalId ${JSON.stringify(input.externalId)} is already used by a live key of project ${projectId}`);
  }
  const secret = newSecret(API_KEY_PREFIX);
  const id = newId("key");
  await insertApiKey(trx, {
    id,
    project_id: projectId,
    organization_id: orgId,
    owner_user_id: owner.id,
    name: input.name,
    permissions: input.permissions,
    hash: hashSecret(secret),
    redacted: redact(secret),
    expires_at: expiryFor(ctx, access.org.settings, input.expiresInDays) || null,
    last_used_at: null,
    revoked_at: null,
    external_id: input.externalId ?? null,
    version: 1,
    created_at: ctx.now,
    updated_at: ctx.now,
  });
  const key = toApiKey((await findApiKey(trx, projectId, id))!, ctx.now);
  await recordAudit(ctx, trx, { organizationId: orgId, projectId, action: "api_key.created", target: { type: "api_key", id }, changes: creationChanges(key) });
  return { ...key, secret };
}

async function lockedKey(ctx: Ctx, trx: Trx, orgId: string, projectId: string, keyId: string) {
  const access = await projectAccess(ctx, trx, orgId, projectId, { lock: true });
  const key = await visibleKey(trx, projectId, keyId);
  allow(policy.manageAnyKey(access) || (policy.manageOwnKeys(access) && key.owner_user_id === ctx.caller.user.id), "manage this key");
  checkIfMatch(ctx.ifMatch, key.version);
  return key;
}

export async function renameKey(ctx: Ctx, orgId: string, projectId: string, keyId: string, body: unknown): Promise<ApiKey> {
  await getKey(ctx, orgId, projectId, keyId);
  return transaction(ctx, async (trx) => {
    const key = await lockedKey(ctx, trx, orgId, projectId, keyId);
    const input = mergeAndValidate(apiKeyPatch, { name: key.name }, body);
    if (input.name === key.name) return toApiKey(key, ctx.now);
    await updateApiKey(trx, keyId, { name: input.name, version: key.version + 1, updated_at: ctx.now });
    await recordAudit(ctx, trx, { organizationId: orgId, projectId, action: "api_key.updated", target: { type: "api_key", id: keyId }, changes: { name: { from: key.name, to: input.name } } });
    return toApiKey((await findApiKey(trx, projectId, keyId))!, ctx.now);
  });
}

/** Revoking is idempotent: an already revoked key answers 204 and logs nothing. */
export async function revokeKey(ctx: Ctx, orgId: string, projectId: string, keyId: string): Promise<void> {
  await getKey(ctx, orgId, projectId, keyId);
  await transaction(ctx, async (trx) => {
    const key = await lockedKey(ctx, trx, orgId, projectId, keyId);
    if (key.revoked_at === null) await revoke(ctx, trx, key);
  });
}

async function revoke(ctx: Ctx, trx: Trx, key: ApiKeyView): Promise<void> {
  await updateApiKey(trx, key.id, { revoked_at: ctx.now, version: key.version + 1, updated_at: ctx.now });
  await recordAudit(ctx, trx, {
    organizationId: key.organization_id,
    projectId: key.project_id,
    action: "api_key.revoked",
    target: { type: "api_key", id: key.id },
    changes: { status: { from: statusOf(key, ctx.now), to: "revoked" } },
  });
}

export async function revokeProjectKeys(ctx: Ctx, trx: Trx, projectId: string): Promise<void> {
  for (const key of await findUnrevokedKeys(trx, { projectId })) await revoke(ctx, trx, key);
}
