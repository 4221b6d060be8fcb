import { ENFORCEMENT, Organization, organizationInput, OrgRole } from "../../schema/organization";
import type { z } from "zod";
import { TenancyError } from "../../schema/errors";
import { notFound, OrgAccess } from "../auth/access";
import { newId } from "../auth/credentials";
import { longestIdleMs, newToken, PolicyOrg, policyRefusal, requiredIssuer, tokenBornAt } from "../auth/org-policy";
import { allow, policy } from "../auth/policy";
import { changedFields, mergeAndValidate } from "../http/merge-patch";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import { findOrgMember } from "../store/members.repository";
import {
  findLiveOrganization,
  findOrganizationByExternalId,
  insertOrganization,
  listUserOrganizations,
  OrganizationFilter,
  OrgRecord,
  updateOrganization,
} from "../store/organizations.repository";
import { countActiveProjects } from "../store/projects.repository";
import { listUnrevokedServiceAccountTokens } from "../store/tokens.repository";
import type { PageRequest } from "../store/page";
import { addMembership } from "./add-membership.service";
import { creationChanges, recordAudit } from "./audit.service";
import { revokeTokenWithAudit } from "./tokens.service";
import { compact, Ctx } from "./context";
import { recordClaim } from "./claims.service";
import { clientSecretIn, policyForAudit, policyView, sealNewPolicy, sealPatchedPolicy } from "../sign-in/sso-secret";

/** The client-editable view of an organization: what a merge patch applies to. */
function editable(rec: OrgRecord) {
  return compact({ name: rec.name, externalId: rec.external_id, billing: rec.billing, settings: rec.settings, securityPolicy: rec.securityPolicy });
}

/** Row → API object; `billing` only for the roles allowed to read it. */
export function toOrganization(rec: OrgRecord, role: OrgRole): Organization {
  const view: Partial<ReturnType<typeof editable>> = editable(rec);
  if (!policy.readBilling({ orgRole: role })) delete view.billing;
  return { id: rec.id, ...(view as ReturnType<typeof editable>), securityPolicy: policyView(rec.securityPolicy), enforcement: { enforced: [...ENFORCEMENT.enforced], notEnforced: [...ENFORCEMENT.notEnforced] }, createdAt: rec.created_at, updatedAt: rec.updated_at, version: rec.version };
}

/**
 * 409 carries the organization holding the externalId when the caller may read it now (a retried
 * create finds its object); one they are not in, or whose policy fences this request, is not named.
 */
async function assertExternalIdFree(db: Executor, ctx: Ctx, createdBy: string, externalId: string | undefined, self?: string) {
  if (externalId === undefined) return;
  const other = await findOrganizationByExternalId(db, createdBy, externalId);
  if (!other || other.id === self) return;
  const role = (await findOrgMember(db, other.id, ctx.caller.user.id))?.role as OrgRole | undefined;
  const used = `externalId ${JSON.stringify(externalId)} is already used by`;
  if (role && !isFenced(ctx, other)) throw new TenancyError("external_id_taken", `${used} organization ${other.id}`, { existing: toOrganization(other, role) });
  // Only the creator ever gets here with an externalId of theirs: a create is the caller's, and a
  // PATCH that changes externalId is refused to anyone else first (patchOrganization).
  throw new TenancyError("external_id_taken", `${used} another organization you created`);
}

/**
 * A policy that would refuse the caller's own request locks out the very admin who sets it (with
 * no way back but a new token): the field that would do it is refused.
 * `before` is the policy in force, if any: an SSO policy already on is locked by its issuer.
 */
function assertCallerAllowed(ctx: Ctx, org: PolicyOrg, before?: OrgRecord["securityPolicy"]): void {
  const refusal = policyRefusal(org, ctx);
  if (!refusal) return;
  const now = Date.parse(ctx.now);
  const lockout = "or you would lock yourself out";
  const token = ctx.caller.token;
  switch (refusal.code) {
    case "ip_not_allowed":
      throw invalidField("securityPolicy.ipAllowlist", `must include your own address ${ctx.ip}, ${lockout}`);
    case "token_too_old": {
      const days = Math.ceil((now - Date.parse(tokenBornAt(token))) / 86_400_000);
      throw invalidField("securityPolicy.session.maxTokenLifetimeDays", `must be at least ${days}, the age in days of the token you use (tokens minted from it count from the same day), ${lockout}; or first get a new token: ${newToken(org, ctx.caller)}`);
    }
    case "token_idle": {
      const minutes = Math.ceil(longestIdleMs(token, now) / 60_000);
      throw invalidField("securityPolicy.session.idleTimeoutMinutes", `must be at least ${minutes}: the token you use once went unused that long, ${lockout}; or first get a new token: ${newToken(org, ctx.caller)}`);
    }
    case "sso_required": {
      const issuer = requiredIssuer(org.securityPolicy, ctx) ?? "(none: set securityPolicy.sso.issuer)";
      const first = `or first sign in there with ${refusal.extras.signIn!.command}`;
      if (before?.sso.enforced) throw invalidField("securityPolicy.sso.issuer", `must stay ${token.sso_issuer}, the identity provider your token comes from, while sso.enforced is true, ${lockout}; ${first}`);
      throw invalidField("securityPolicy.sso.enforced", `cannot be true while your token comes from a sign-in at ${token.sso_issuer}, not at this organization's identity provider ${issuer}, ${lockout}; ${first}`);
    }
    case "mfa_required":
      throw invalidField("securityPolicy.session.requireMfa", `cannot be true while your token comes from a sign-in without a second factor, ${lockout}; or first sign in again with ${refusal.extras.signIn!.command}, completing a second factor`);
    default:
      throw refusal;
  }
}

/**
 * The organization as it is now: the caller's standing may come from the instance's short cache
 * (auth/auth-cache.ts), but what a read returns is never older than the database.
 */
export async function getOrganization(db: Executor, access: OrgAccess): Promise<Organization> {
  const org = await findLiveOrganization(db, access.org.id);
  if (!org) throw notFound("organization", access.org.id);
  return toOrganization(org, access.orgRole);
}

/** Any authenticated user may create an organization and becomes its first admin. */
export async function createOrganization(ctx: Ctx, db: Executor, input: z.output<typeof organizationInput>): Promise<Organization> {
  await assertExternalIdFree(db, ctx, ctx.caller.user.id, input.externalId);
  const securityPolicy = sealNewPolicy(ctx.secrets, input.securityPolicy);
  const rec: OrgRecord = {
    id: newId("org"),
    name: input.name,
    external_id: input.externalId ?? null,
    created_by: ctx.caller.user.id,
    billing: input.billing,
    settings: input.settings,
    securityPolicy,
    version: 1,
    created_at: ctx.now,
    updated_at: ctx.now,
    deleted_at: null,
  };
  assertCallerAllowed(ctx, rec);
  await insertOrganization(db, rec);
  await recordClaim(ctx, db, rec.id, input.externalId);
  const org = toOrganization(rec, "admin");
  await recordAudit(ctx, db, { organizationId: rec.id, action: "organization.created", target: { type: "organization", id: rec.id }, changes: creationChanges(org, ["createdAt", "updatedAt", "version", "enforcement"]) });
  await addMembership(ctx, db, { organizationId: rec.id, user: ctx.caller.user, role: "admin" });
  return org;
}

/** Organizations whose policy would refuse this request appear in no list (a fence, not a filter). */
export function isFenced(ctx: Ctx, org: OrgRecord): boolean {
  return policyRefusal(org, ctx) !== undefined;
}

export function listOrganizations(ctx: Ctx, db: Executor, filter: OrganizationFilter, page: PageRequest) {
  return listUserOrganizations(db, ctx.caller.user.id, filter, page, (org) => !isFenced(ctx, org));
}


/**
 * A JSON merge patch, authorized by what it changes: billing alone is open to billing admins,
 * everything else to admins. Security-policy changes are logged as `policy.updated`.
 */
export async function patchOrganization(ctx: Ctx, db: Executor, access: OrgAccess, patch: Record<string, unknown>): Promise<Organization> {
  const before = editable(access.org);
  const merged = mergeAndValidate(organizationInput, before, patch);
  const sealed = sealPatchedPolicy(ctx.secrets, access.org.securityPolicy, merged.securityPolicy, clientSecretIn(patch));
  const after = { ...merged, securityPolicy: sealed.policy };
  // Compared as the audit keeps them: the client secret only as set or replaced, never its value.
  const changes = changedFields({ ...before, securityPolicy: policyForAudit(access.org.securityPolicy) }, compact({ ...after, securityPolicy: policyForAudit(after.securityPolicy, sealed.replaced) }));
  const fields = Object.keys(changes);
  if (fields.length === 0) return toOrganization(access.org, access.orgRole);
  if (!fields.every((f) => f === "billing")) allow(policy.changeOrganization(access), `change ${fields.filter((f) => f !== "billing").join(", ")}`);
  // Unique among the creator's organizations: anyone else's 409 would tell them which other
  // organizations of the creator's hold an externalId, so only the creator may change it.
  if (changes.externalId && access.org.created_by !== ctx.caller.user.id) {
    throw new TenancyError("forbidden", "only the organization's creator may change externalId: it is their own reference, unique among the organizations they created");
  }
  await assertExternalIdFree(db, ctx, access.org.created_by, after.externalId, access.org.id);
  if (changes.securityPolicy) assertCallerAllowed(ctx, { ...access.org, securityPolicy: after.securityPolicy }, access.org.securityPolicy);
  const rec: OrgRecord = {
    ...access.org,
    name: after.name,
    external_id: after.externalId ?? null,
    billing: after.billing,
    settings: after.settings,
    securityPolicy: after.securityPolicy,
    version: access.org.version + 1,
    updated_at: ctx.now,
  };
  await updateOrganization(db, rec);
  const { securityPolicy, ...rest } = changes;
  const target = { type: "organization", id: rec.id };
  if (securityPolicy) await recordAudit(ctx, db, { organizationId: rec.id, action: "policy.updated", target, changes: { securityPolicy } });
  if (Object.keys(rest).length > 0) await recordAudit(ctx, db, { organizationId: rec.id, action: "organization.updated", target, changes: rest });
  return toOrganization(rec, access.orgRole);
}

/**
 * Refused while active projects remain; the row stays (deleted_at) so history keeps its subject.
 * Its service accounts exist only for it: their tokens are revoked with it.
 */
export async function deleteOrganization(ctx: Ctx, db: Executor, access: OrgAccess): Promise<void> {
  const orgId = access.org.id;
  const active = await countActiveProjects(db, orgId);
  if (active > 0) {
    throw new TenancyError("has_active_projects", `organization ${orgId} still has ${active} active project(s); archive them first (DELETE each project)`);
  }
  for (const token of await listUnrevokedServiceAccountTokens(db, orgId)) await revokeTokenWithAudit(ctx, db, orgId, token.id);
  await updateOrganization(db, { ...access.org, deleted_at: ctx.now, updated_at: ctx.now, version: access.org.version + 1 });
  await recordAudit(ctx, db, { organizationId: orgId, action: "organization.deleted", target: { type: "organization", id: orgId }, changes: { deletedAt: { from: null, to: ctx.now } } });
}
