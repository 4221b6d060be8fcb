import type { z } from "zod";
import { ApiKey, apiKeyInput, apiKeyPatch, CreatedApiKey } from "../../schema/api-key";
import { TenancyError } from "../../schema/errors";
import { notFound, ProjectAccess } from "../auth/access";
import { API_KEY_PREFIX, hashSecret, newId, newSecret, redact, statusOf } from "../auth/credentials";
import { allow, policy } from "../auth/policy";
import { changedFields, mergeAndValidate } from "../http/merge-patch";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import { ApiKeyFilter, ApiKeyView, findApiKey, findLiveKeyByExternalId, findUnrevokedKeys, insertApiKey, listApiKeys, updateApiKey } from "../store/api-keys.repository";
import { findProjectMember } from "../store/members.repository";
import { findUserByEmail } from "../store/users.repository";
import { findPendingInvitation } from "../store/invitations.repository";
import type { PageRequest } from "../store/page";
import { creationChanges, recordAudit } from "./audit.service";
import { compact, Ctx } from "./context";
import { recordClaim } from "./claims.service";
import { broughtForward } from "./expiry.service";
import { keyLifetimeProblem } from "../../schema/organization-rules";

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

export function listKeys(ctx: Ctx, db: Executor, access: ProjectAccess, filter: Omit<ApiKeyFilter, "now">, page: PageRequest) {
  return listApiKeys(db, access.project.id, { ...filter, now: ctx.now }, page);
}

export async function findKey(db: Executor, access: ProjectAccess, keyId: string): Promise<ApiKeyView> {
  const key = await findApiKey(db, access.project.id, keyId);
  if (!key) throw notFound("api key", keyId);
  return key;
}

function expiryFor(ctx: Ctx, max: number | undefined, expiresInDays: number | undefined): string | null {
  const tooLong = keyLifetimeProblem(expiresInDays, max);
  if (tooLong) throw invalidField("expiresInDays", tooLong);
  const days = expiresInDays ?? max;
  return days === undefined ? null : new Date(Date.parse(ctx.now) + days * 86_400_000).toISOString();
}

/** Admins and project owners create keys for any project member; members only for themselves. */
export async function createKey(ctx: Ctx, db: Executor, access: ProjectAccess, input: z.output<typeof apiKeyInput>): Promise<CreatedApiKey> {
  const { project } = access;
  const owner = await findUserByEmail(db, input.owner);
  if (!owner || !(await findProjectMember(db, project.id, owner.id))) {
    // Declared together (a Membership and a key it owns), the invitation is what stands in between.
    const invited = await findPendingInvitation(db, project.organization_id, input.owner, ctx.now);
    const why = invited ? `; ${input.owner} was invited to organization ${project.organization_id} (invitation ${invited.id}) and has not accepted yet; a key can be owned once they have` : "";
    throw invalidField("owner", `must be the email of a member of project ${project.id}${why}`);
  }
  allow(policy.manageAnyKey(access) || owner.id === ctx.caller.user.id, "create keys owned by someone else");
  const holder = input.externalId === undefined ? undefined : await findLiveKeyByExternalId(db, project.id, input.externalId);
  if (holder) {
    // Redacted, as every key read: the secret exists only in its create response.
    throw new TenancyError("external_id_taken", `externalId ${JSON.stringify(input.externalId)} is already used by a live key of project ${project.id}`, { existing: toApiKey(holder, ctx.now) });
  }
  const secret = newSecret(API_KEY_PREFIX);
  const id = newId("key");
  await insertApiKey(db, {
    id,
    project_id: project.id,
    organization_id: project.organization_id,
    owner_user_id: owner.id,
    name: input.name,
    permissions: input.permissions,
    hash: hashSecret(secret),
    redacted: redact(secret),
    expires_at: expiryFor(ctx, access.org.settings.apiKeyMaxLifetimeDays, input.expiresInDays),
    last_used_at: null,
    revoked_at: null,
    external_id: input.externalId ?? null,
    version: 1,
    created_at: ctx.now,
    updated_at: ctx.now,
  });
  await recordClaim(ctx, db, id, input.externalId);
  const key = toApiKey((await findApiKey(db, project.id, id))!, ctx.now);
  await recordAudit(ctx, db, { organizationId: project.organization_id, projectId: project.id, action: "api_key.created", target: { type: "api_key", id }, changes: creationChanges(key) });
  return { ...key, secret };
}

/** The key, if the caller may manage it: any key for admins and owners, their own for members. */
export async function manageableKey(ctx: Ctx, db: Executor, access: ProjectAccess, keyId: string): Promise<ApiKeyView> {
  const key = await findKey(db, access, keyId);
  allow(policy.manageAnyKey(access) || (policy.manageOwnKeys(access) && key.owner_user_id === ctx.caller.user.id), "manage this key");
  return key;
}

/** `key` is the route's target (manageableKey, its version checked), in an active project. A PATCH may bring `expiresAt` forward, never back. */
export async function updateKey(ctx: Ctx, db: Executor, key: ApiKeyView, patch: Record<string, unknown>): Promise<ApiKey> {
  const keyId = key.id;
  const input = mergeAndValidate(apiKeyPatch, compact({ name: key.name, expiresAt: key.expires_at }), patch);
  const expiresAt = broughtForward(key.expires_at, input.expiresAt ?? null);
  if (input.name === key.name && expiresAt === key.expires_at) return toApiKey(key, ctx.now);
  await updateApiKey(db, keyId, { name: input.name, expires_at: expiresAt, version: key.version + 1, updated_at: ctx.now });
  const changes = changedFields({ name: key.name, expiresAt: key.expires_at }, { name: input.name, expiresAt });
  await recordAudit(ctx, db, { organizationId: key.organization_id, projectId: key.project_id, action: "api_key.updated", target: { type: "api_key", id: keyId }, changes });
  return toApiKey((await findApiKey(db, key.project_id, keyId))!, ctx.now);
}

/** Revoking is idempotent: an already revoked key answers 204 and logs nothing. */
export async function revokeKey(ctx: Ctx, db: Executor, key: ApiKeyView): Promise<void> {
  if (key.revoked_at === null) await revoke(ctx, db, key);
}

async function revoke(ctx: Ctx, trx: Executor, key: ApiKeyView): Promise<void> {
  await updateApiKey(trx, key.id, { revoked_at: ctx.now, version: key.version + 1, updated_at: ctx.now });
  await recordAudit(ctx, trx, {
    organizationId: key.organization_id,
    projectId: key.project_id,
    action: "api_key.revoked",
    target: { type: "api_key", id: key.id },
    changes: { status: { from: statusOf(key, ctx.now), to: "revoked" } },
  });
}

export async function revokeProjectKeys(ctx: Ctx, trx: Executor, projectId: string): Promise<void> {
  for (const key of await findUnrevokedKeys(trx, { projectId })) await revoke(ctx, trx, key);
}
