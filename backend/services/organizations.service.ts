import { Organization, organizationInput, OrgRole } from "../../schema/organization";
import { TenancyError } from "../../schema/errors";
import { ipAllowed, orgAccess } from "../auth/access";
import { newId } from "../auth/credentials";
import { allow, policy } from "../auth/policy";
import { checkIfMatch } from "../http/etag";
import { changedFields, mergeAndValidate } from "../http/merge-patch";
import { invalidField, parseInput } from "../http/validate";
import type { Executor, Trx } from "../store/db";
import { insertOrgMember } from "../store/members.repository";
import {
  findOrganizationByExternalId,
  insertOrganization,
  listUserOrganizations,
  OrganizationFilter,
  updateOrganization,
} from "../store/organizations.repository";
import { countActiveProjects } from "../store/projects.repository";
import type { PageRequest } from "../store/page";
import type { OrganizationRow } from "../store/tables";
import { creationChanges, recordAudit } from "./audit.service";
import { compact, Ctx, transaction } from "./context";

/** The client-editable view of an organization: what a merge patch applies to. */
function editable(row: OrganizationRow) {
  return compact({
    name: row.name,
    externalId: row.external_id,
    billing: JSON.parse(row.billing) as Organization["billing"],
    settings: JSON.parse(row.settings) as Organization["settings"],
    securityPolicy: JSON.parse(row.security_policy) as Organization["securityPolicy"],
  });
}

/** Row → API object; `billing` only for the roles allowed to read it. */
export function toOrganization(row: OrganizationRow, role: OrgRole): Organization {
  const view = editable(row);
  if (!policy.readBilling({ orgRole: role })) delete view.billing;
  return { id: row.id, ...view, createdAt: row.created_at, updatedAt: row.updated_at, version: row.version };
}

async function assertExternalIdFree(db: Executor, userId: string, externalId: string | undefined, self?: string) {
  if (externalId === undefined) return;
  const other = await findOrganizationByExternalId(db, userId, externalId);
  if (other && other.id !== self) {
    throw new TenancyError("external_id_taken", `externalId ${JSON.stringify(externalId)} is already used by organization ${other.id}`);
  }
}

/** An allowlist that excludes the caller would lock out the very admin who set it. */
function assertCallerAllowed(ctx: Ctx, allowlist: readonly string[]): void {
  if (!ipAllowed(ctx.ip, allowlist)) {
    throw invalidField("securityPolicy.ipAllowlist", `must include your own address ${ctx.ip}, or you would lock yourself out`);
  }
}

/** Any authenticated user may create an organization and becomes its first admin. */
export async function createOrganization(ctx: Ctx, trx: Trx, body: unknown): Promise<Organization> {
  const input = parseInput(organizationInput, body);
  await assertExternalIdFree(trx, ctx.caller.user.id, input.externalId);
  assertCallerAllowed(ctx, input.securityPolicy.ipAllowlist);
  const row: OrganizationRow = {
    id: newId("org"),
    name: input.name,
    external_id: input.externalId ?? null,
    created_by: ctx.caller.user.id,
    billing: JSON.stringify(input.billing),
    settings: JSON.stringify(input.settings),
    security_policy: JSON.stringify(input.securityPolicy),
    version: 1,
    created_at: ctx.now,
    updated_at: ctx.now,
    deleted_at: null,
  };
  await insertOrganization(trx, row);
  await insertOrgMember(trx, { organization_id: row.id, user_id: ctx.caller.user.id, role: "admin", external_id: null, version: 1, created_at: ctx.now, updated_at: ctx.now });
  const org = toOrganization(row, "admin");
  await recordAudit(ctx, trx, { organizationId: row.id, action: "organization.created", target: { type: "organization", id: row.id }, changes: creationChanges(org) });
  await recordAudit(ctx, trx, {
    organizationId: row.id,
    action: "member.added",
    target: { type: "user", id: ctx.caller.user.id },
    changes: { email: { from: null, to: ctx.caller.user.email }, role: { from: null, to: "admin" } },
  });
  return org;
}

export async function getOrganization(ctx: Ctx, orgId: string) {
  const access = await orgAccess(ctx, ctx.store.db, orgId);
  return toOrganization(access.org, access.orgRole);
}

export async function listOrganizations(ctx: Ctx, filter: OrganizationFilter, page: PageRequest) {
  return listUserOrganizations(ctx.store.db, ctx.caller.user.id, filter, page);
}

/**
 * A JSON merge patch, authorized by what it changes: billing alone is open to billing admins,
 * everything else to admins. Security-policy changes are logged as `policy.updated`.
 */
export async function patchOrganization(ctx: Ctx, orgId: string, patch: unknown): Promise<Organization> {
  await orgAccess(ctx, ctx.store.db, orgId);
  return transaction(ctx, async (trx) => {
    const access = await orgAccess(ctx, trx, orgId, { lock: true });
    checkIfMatch(ctx.ifMatch, access.org.version);
    const before = editable(access.org);
    const after = compact(mergeAndValidate(organizationInput, before, patch) as Record<string, unknown>);
    const changes = changedFields(before, after);
    const fields = Object.keys(changes);
    // Someone who may change nothing here is refused even a no-op patch: the answer must not
    // depend on whether their values happen to match.
    allow(policy.changeBilling(access), "change this organization");
    if (fields.length === 0) return toOrganization(access.org, access.orgRole);
    if (fields.every((f) => f === "billing")) allow(policy.changeBilling(access), "change billing");
    else allow(policy.changeOrganization(access), `change ${fields.filter((f) => f !== "billing").join(", ")}`);
    await assertExternalIdFree(trx, access.org.created_by, after.externalId as string | undefined, orgId);
    if (changes.securityPolicy) assertCallerAllowed(ctx, (after.securityPolicy as Organization["securityPolicy"]).ipAllowlist);
    const row: OrganizationRow = {
      ...access.org,
      name: after.name as string,
      external_id: (after.externalId as string | undefined) ?? null,
      billing: JSON.stringify(after.billing),
      settings: JSON.stringify(after.settings),
      security_policy: JSON.stringify(after.securityPolicy),
      version: access.org.version + 1,
      updated_at: ctx.now,
    };
    await updateOrganization(trx, orgId, row);
    const { securityPolicy, ...rest } = changes;
    const target = { type: "organization", id: orgId };
    if (securityPolicy) await recordAudit(ctx, trx, { organizationId: orgId, action: "policy.updated", target, changes: { securityPolicy } });
    if (Object.keys(rest).length > 0) await recordAudit(ctx, trx, { organizationId: orgId, action: "organization.updated", target, changes: rest });
    return toOrganization(row, access.orgRole);
  });
}

/** Refused while active projects remain; the row stays (deleted_at) so history keeps its subject. */
export async function deleteOrganization(ctx: Ctx, orgId: string): Promise<void> {
  await orgAccess(ctx, ctx.store.db, orgId);
  await transaction(ctx, async (trx) => {
    const access = await orgAccess(ctx, trx, orgId, { lock: true });
    allow(policy.changeOrganization(access), "delete this organization");
    checkIfMatch(ctx.ifMatch, access.org.version);
    const active = await countActiveProjects(trx, orgId);
    if (active > 0) {
      throw new TenancyError("has_active_projects", `organization ${orgId} still has ${active} active project(s); archive them first (DELETE each project)`);
    }
    await updateOrganization(trx, orgId, { deleted_at: ctx.now, updated_at: ctx.now, version: access.org.version + 1 });
    await recordAudit(ctx, trx, { organizationId: orgId, action: "organization.deleted", target: { type: "organization", id: orgId }, changes: { deletedAt: { from: null, to: ctx.now } } });
  });
}
