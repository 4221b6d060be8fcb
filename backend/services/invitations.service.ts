import type { z } from "zod";
import { invalidFields, TenancyError } from "../../schema/errors";
import { Invitation, INVITATION_DAYS, invitationInput, invitedProject } from "../../schema/invitation";
import type { Membership } from "../../schema/membership";
import type { OrgRole } from "../../schema/organization";
import { notFound, OrgAccess } from "../auth/access";
import { hashSecret, INVITATION_PREFIX, newId, newSecret } from "../auth/credentials";
import { allow, mayGrantOrgRole } from "../auth/policy";
import type { Executor } from "../store/db";
import {
  closeInvitation,
  findInvitation,
  findInvitationByCode,
  findPendingInvitation,
  insertInvitation,
  InvitationFilter,
  InvitationRow,
  listInvitations,
  markExpired,
  setInvitationProjects,
} from "../store/invitations.repository";
import { findOrgMember } from "../store/members.repository";
import { findLiveOrganization } from "../store/organizations.repository";
import type { PageRequest, RowPage } from "../store/page";
import { findProject } from "../store/projects.repository";
import { ensurePerson, findUserByEmail } from "../store/users.repository";
import { addMembership } from "./add-membership.service";
import { recordAudit } from "./audit.service";
import { compact, Ctx } from "./context";
import { assertEmailDomain, assertMembershipExternalIdFree, memberExists, toMembership } from "./membership-rules";
import { policyRefusal } from "../auth/org-policy";

type InvitedProject = z.output<typeof invitedProject>;
/**
 * A project grant as the row keeps it: with who added it to the invitation when that was not its
 * sender (a project add), whose claim its externalId becomes at acceptance.
 */
type StoredGrant = InvitedProject & { addedBy?: string };

const grantsOf = (row: InvitationRow): StoredGrant[] => JSON.parse(row.projects) as StoredGrant[];
const shown = (grants: readonly StoredGrant[]): InvitedProject[] => grants.map(({ addedBy: _addedBy, ...grant }) => grant);
export type SentInvitation = Invitation & { acceptUrl?: string };

const DAY_MS = 86_400_000;

/** Row → API invitation; `now` tells an expiry nobody has seen yet (its row still says pending). */
export function toInvitation(row: InvitationRow, now: string): Invitation {
  const status = row.status === "pending" && row.expires_at <= now ? "expired" : row.status;
  return compact({
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    role: row.role as OrgRole,
    projects: shown(grantsOf(row)),
    status,
    externalId: row.external_id,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    invitedBy: { userId: row.invited_by_user_id, email: row.invited_by_email },
    createdAt: row.created_at,
  });
}

const target = (row: InvitationRow) => ({ type: "invitation", id: row.id });

/**
 * Invitations past their expiry that still say pending become `expired`, audited once, by
 * whoever sees them first. A read has no transaction of its own: the mark and its audit event
 * get one here, so neither is ever kept without the other.
 */
async function noticeExpiries(ctx: Ctx, db: Executor, rows: readonly InvitationRow[]): Promise<void> {
  const due = rows.filter((r) => r.status === "pending" && r.expires_at <= ctx.now);
  if (due.length === 0) return;
  const mark = async (trx: Executor) => {
    const expired = new Set(await markExpired(trx, due.map((r) => r.id), ctx.now));
    for (const row of due.filter((r) => expired.has(r.id))) {
      await recordAudit(ctx, trx, { organizationId: row.organization_id, action: "invitation.expired", target: target(row), changes: { status: { from: "pending", to: "expired" } } });
    }
  };
  await (db.isTransaction ? mark(db) : ctx.store.db.transaction().execute(mark));
}

/** Each project must be an active project of this organization: a 400 names every one that is not. */
async function assertProjects(db: Executor, orgId: string, projects: readonly InvitedProject[]): Promise<void> {
  const problems: { path: string; message: string }[] = [];
  for (const [i, p] of projects.entries()) {
    const project = await findProject(db, p.projectId);
    if (!project || project.organization_id !== orgId) problems.push({ path: `projects[${i}].projectId`, message: `must be a project of organization ${orgId}; ${p.projectId} is not` });
    else if (project.status !== "active") problems.push({ path: `projects[${i}].projectId`, message: `must be an active project; ${p.projectId} is archived` });
  }
  if (problems.length > 0) throw invalidFields(problems);
}

/**
 * `POST …/invitations`: a pending invitation and its one-time accept link. The organization's
 * allowed email domains apply now; inviting someone who is already a member is 409 member_exists.
 */
export async function sendInvitation(ctx: Ctx, db: Executor, access: OrgAccess, input: z.output<typeof invitationInput>, publicUrl: string): Promise<SentInvitation> {
  const orgId = access.org.id;
  allow(mayGrantOrgRole(access, input.role), `grant the role ${input.role}`);
  assertEmailDomain(access.org.settings.allowedEmailDomains, input.email);
  const member = await findUserByEmail(db, input.email);
  const existing = member && (await findOrgMember(db, orgId, member.id));
  if (existing) throw memberExists(existing, `organization ${orgId}`);
  await assertProjects(db, orgId, input.projects);
  return invite(ctx, db, orgId, input, publicUrl);
}

/**
 * Adding a member by an email with no account (members.service.ts): an invitation like `POST
 * …/invitations` sends, for the default days, keeping the membership's `externalId` until the
 * person accepts. The caller checked the role, the domain and that there is no pending one.
 */
export function inviteNewMember(ctx: Ctx, db: Executor, orgId: string, input: { email: string; role: OrgRole; externalId?: string }): Promise<SentInvitation> {
  return invite(ctx, db, orgId, { ...input, projects: [], expiresInDays: INVITATION_DAYS.default }, ctx.signIn.publicUrl);
}

/** The organization's pending invitation for this address: 409 invitation_pending carries it, as member_exists carries a membership. */
export async function assertNoPendingInvitation(ctx: Ctx, db: Executor, orgId: string, email: string): Promise<void> {
  const pending = await findPendingInvitation(db, orgId, email, ctx.now);
  if (!pending) return;
  throw new TenancyError(
    "invitation_pending",
    `${email} has no account yet and was already invited to organization ${orgId} (invitation ${pending.id}, pending until ${pending.expires_at}); they join once they accept it, or revoke it first (DELETE /v1/organizations/${orgId}/invitations/${pending.id}) to invite them again`,
    { existing: toInvitation(pending, ctx.now) },
  );
}

async function invite(ctx: Ctx, db: Executor, orgId: string, input: z.output<typeof invitationInput> & { externalId?: string }, publicUrl: string): Promise<SentInvitation> {
  const code = newSecret(INVITATION_PREFIX);
  const row: InvitationRow = {
    id: newId("inv"),
    organization_id: orgId,
    email: input.email,
    role: input.role,
    projects: JSON.stringify(input.projects),
    status: "pending",
    code_hash: hashSecret(code),
    expires_at: new Date(Date.parse(ctx.now) + input.expiresInDays * DAY_MS).toISOString(),
    accepted_at: null,
    accepted_user_id: null,
    invited_by_user_id: ctx.caller.user.id,
    invited_by_email: ctx.caller.user.email,
    external_id: input.externalId ?? null,
    created_at: ctx.now,
    updated_at: ctx.now,
  };
  await insertInvitation(db, row);
  const changes = {
    email: { from: null, to: row.email },
    role: { from: null, to: row.role },
    projects: { from: null, to: input.projects },
    expiresAt: { from: null, to: row.expires_at },
    ...(input.externalId === undefined ? {} : { externalId: { from: null, to: input.externalId } }),
  };
  await recordAudit(ctx, db, { organizationId: orgId, action: "invitation.sent", target: target(row), changes });
  return { ...toInvitation(row, ctx.now), acceptUrl: `${publicUrl}/v1/invitations/${row.id}/accept?code=${code}` };
}

export async function listOrgInvitations(ctx: Ctx, db: Executor, orgId: string, filter: Omit<InvitationFilter, "now">, page: PageRequest): Promise<RowPage<InvitationRow>> {
  const rows = await listInvitations(db, orgId, { ...filter, now: ctx.now }, page);
  await noticeExpiries(ctx, db, rows.rows);
  return rows;
}

export async function getInvitation(ctx: Ctx, db: Executor, orgId: string, id: string): Promise<Invitation> {
  const row = await findInvitation(db, orgId, id);
  if (!row) throw notFound("invitation", id);
  await noticeExpiries(ctx, db, [row]);
  return toInvitation(row, ctx.now);
}

/** `DELETE`: a pending invitation is revoked; revoking a revoked or expired one changes nothing; an accepted one is 409. */
export async function revokeInvitation(ctx: Ctx, db: Executor, orgId: string, id: string): Promise<void> {
  const { row, status } = await readInvitation(ctx, db, orgId, id);
  if (status === "accepted") throw new TenancyError("invitation_closed", `invitation ${id} was accepted at ${row.accepted_at}; remove the member instead (DELETE /v1/organizations/${orgId}/members/${row.accepted_user_id})`);
  if (status !== "pending" || !(await closeInvitation(db, id, { status: "revoked" }, ctx.now))) return;
  await recordAudit(ctx, db, { organizationId: orgId, action: "invitation.revoked", target: target(row), changes: { status: { from: "pending", to: "revoked" } } });
}

function closed(row: InvitationRow, status: Invitation["status"]): TenancyError {
  const why = {
    accepted: `was already accepted at ${row.accepted_at}`,
    expired: `expired at ${row.expires_at}`,
    revoked: "was revoked",
    pending: "is pending",
  }[status];
  return new TenancyError("invitation_closed", `invitation ${row.id} ${why}; ask an admin of the organization for a new invitation`);
}

/**
 * `POST /v1/invitations/{id}/accept`: the signed-in person whose verified email the invitation
 * names joins the organization with its role and its projects with theirs, in the request's
 * transaction. Anyone else, a wrong code or an unknown id: the same 404, so the route tells
 * nobody which invitations exist. Projects archived since the invitation are passed over.
 */
export async function acceptInvitation(ctx: Ctx, db: Executor, id: string, code: string): Promise<Membership> {
  const row = await findInvitationByCode(db, id, hashSecret(code));
  const org = row && (await findLiveOrganization(db, row.organization_id));
  if (!row || !org || row.email !== ctx.caller.user.email) throw notFound("invitation", id);
  if (!ctx.caller.token.sso_issuer) {
    throw new TenancyError("forbidden", `accept invitation ${id} signed in as ${row.email} (tenancy login): a management token that did not come from a sign-in does not prove that the address is yours`);
  }
  // The organization's sign-in policy holds for joining it as for everything done in it after.
  const refusal = policyRefusal(org, ctx);
  if (refusal) throw refusal;
  await noticeExpiries(ctx, db, [row]);
  const status = toInvitation(row, ctx.now).status;
  if (status !== "pending") throw closed(row, status);
  const user = await ensurePerson(db, row.email, ctx.now);
  // Closing first takes the invitation's row: a concurrent accept or revoke waits here for this
  // one's outcome, and then finds it no longer pending.
  if (!(await closeInvitation(db, id, { status: "accepted", accepted_at: ctx.now, accepted_user_id: user.id }, ctx.now))) {
    throw new TenancyError("invitation_closed", `invitation ${id} was accepted or revoked by a concurrent request; read it again (GET /v1/organizations/${org.id}/invitations/${id})`);
  }
  const existing = await findOrgMember(db, org.id, user.id);
  if (existing) throw memberExists(existing, `organization ${org.id}`);
  // An externalId is the claim of the deployment that asked for it (the sender, or whoever added
  // the project), not of the person accepting: that deployment confirms it (claims.service.ts).
  const externalId = row.external_id ?? undefined;
  await assertMembershipExternalIdFree(db, "org_members", { column: "organization_id", id: org.id }, externalId);
  await addMembership(ctx, db, { organizationId: org.id, user, role: row.role, externalId, claimedBy: row.invited_by_user_id });
  for (const p of grantsOf(row)) {
    const project = await findProject(db, p.projectId);
    if (project?.status !== "active") continue;
    await assertMembershipExternalIdFree(db, "project_members", { column: "project_id", id: p.projectId }, p.externalId);
    await addMembership(ctx, db, { organizationId: org.id, projectId: p.projectId, user, role: p.role, externalId: p.externalId, claimedBy: p.addedBy ?? row.invited_by_user_id });
  }
  await recordAudit(ctx, db, { organizationId: org.id, action: "invitation.accepted", target: target(row), changes: { status: { from: "pending", to: "accepted" } } });
  return toMembership((await findOrgMember(db, org.id, user.id))!);
}

/** An invitation of the organization and its status now (an expiry that passed is recorded first); 404 when there is none. */
async function readInvitation(ctx: Ctx, db: Executor, orgId: string, id: string): Promise<{ row: InvitationRow; status: Invitation["status"] }> {
  const row = await findInvitation(db, orgId, id);
  if (!row) throw notFound("invitation", id);
  await noticeExpiries(ctx, db, [row]);
  return { row, status: toInvitation(row, ctx.now).status };
}

/** The pending invitation, else 409 invitation_closed saying what became of it. */
async function pendingInvitation(ctx: Ctx, db: Executor, orgId: string, id: string): Promise<InvitationRow> {
  const { row, status } = await readInvitation(ctx, db, orgId, id);
  if (status !== "pending") throw closed(row, status);
  return row;
}

/** Writes an invitation's project grants, audited `invitation.updated` in the project it changed. */
async function changeInvitedProjects(ctx: Ctx, db: Executor, row: InvitationRow, projectId: string, projects: StoredGrant[]): Promise<Invitation> {
  const before = shown(grantsOf(row));
  const json = JSON.stringify(projects);
  if (!(await setInvitationProjects(db, row.id, json, ctx.now))) {
    throw new TenancyError("invitation_closed", `invitation ${row.id} was accepted or revoked by a concurrent request; read it again (GET /v1/organizations/${row.organization_id}/invitations/${row.id})`);
  }
  await recordAudit(ctx, db, { organizationId: row.organization_id, projectId, action: "invitation.updated", target: target(row), changes: { projects: { from: before, to: shown(projects) } } });
  return toInvitation({ ...row, projects: json, updated_at: ctx.now }, ctx.now);
}

/**
 * Adding a project member by an email with no account who has a pending invitation to the
 * organization: the project (or its new role) joins that invitation, granted when they accept.
 */
export async function inviteToProject(ctx: Ctx, db: Executor, row: InvitationRow, grant: InvitedProject): Promise<Invitation> {
  const projects = grantsOf(row);
  const same = projects.find((p) => p.projectId === grant.projectId);
  if (same && same.role === grant.role && same.externalId === grant.externalId) return toInvitation(row, ctx.now);
  const added: StoredGrant = grant.externalId === undefined ? compact(grant) : { ...grant, addedBy: ctx.caller.user.id };
  return changeInvitedProjects(ctx, db, row, grant.projectId, [...projects.filter((p) => p.projectId !== grant.projectId), added]);
}

/** `DELETE …/invitations/{id}/projects/{projectId}`: the pending invitation no longer grants that project (nothing changes when it did not). */
export async function removeInvitationProject(ctx: Ctx, db: Executor, orgId: string, id: string, projectId: string): Promise<void> {
  const row = await pendingInvitation(ctx, db, orgId, id);
  const projects = grantsOf(row);
  if (!projects.some((p) => p.projectId === projectId)) return;
  await changeInvitedProjects(ctx, db, row, projectId, projects.filter((p) => p.projectId !== projectId));
}
