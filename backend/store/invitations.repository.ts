import type { Kysely } from "kysely";
import type { Executor } from "./db";
import { fetchPage, PageRequest } from "./page";
import type { Database } from "./tables";

export type InvitationStatus = "pending" | "accepted" | "expired" | "revoked";

/**
 * Migration 009's row (and 011's `external_id`). `projects` is JSON `[{projectId, role,
 * externalId?}]`; the accept code is kept only as its hash.
 */
export interface InvitationRow {
  id: string;
  organization_id: string;
  email: string;
  role: string;
  projects: string;
  status: InvitationStatus;
  code_hash: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_user_id: string | null;
  invited_by_user_id: string;
  invited_by_email: string;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

type InvitationDb = Kysely<Database & { invitations: InvitationRow }>;
const withInvitations = (db: Executor) => db.withTables<{ invitations: InvitationRow }>() as unknown as InvitationDb;

export interface InvitationFilter {
  email?: string;
  status?: InvitationStatus;
  newestFirst?: boolean;
  /** With `status`, pending and expired are told apart by this clock (an unseen expiry is not yet stored). */
  now: string;
}

export async function insertInvitation(db: Executor, row: InvitationRow): Promise<void> {
  await withInvitations(db).insertInto("invitations").values(row).execute();
}

export function findInvitation(db: Executor, orgId: string, id: string): Promise<InvitationRow | undefined> {
  return withInvitations(db).selectFrom("invitations").selectAll().where("id", "=", id).where("organization_id", "=", orgId).executeTakeFirst();
}

/** By id and code together: a wrong code finds nothing, as an unknown id does. */
export function findInvitationByCode(db: Executor, id: string, codeHash: string): Promise<InvitationRow | undefined> {
  return withInvitations(db).selectFrom("invitations").selectAll().where("id", "=", id).where("code_hash", "=", codeHash).executeTakeFirst();
}

export function listInvitations(db: Executor, orgId: string, filter: InvitationFilter, page: PageRequest) {
  let q = withInvitations(db).selectFrom("invitations").selectAll().where("organization_id", "=", orgId);
  if (filter.email !== undefined) q = q.where("email", "=", filter.email);
  if (filter.status === "pending") q = q.where("status", "=", "pending").where("expires_at", ">", filter.now);
  else if (filter.status === "expired") q = q.where((eb) => eb.or([eb("status", "=", "expired"), eb.and([eb("status", "=", "pending"), eb("expires_at", "<=", filter.now)])]));
  else if (filter.status !== undefined) q = q.where("status", "=", filter.status);
  return fetchPage(q, ["created_at", "id"], page, (r) => [r.created_at, r.id], filter.newestFirst ? "desc" : "asc");
}

/** The organization's newest invitation for this address that is pending and not past its expiry. */
export function findPendingInvitation(db: Executor, orgId: string, email: string, now: string): Promise<InvitationRow | undefined> {
  return withInvitations(db)
    .selectFrom("invitations")
    .selectAll()
    .where("organization_id", "=", orgId)
    .where("email", "=", email)
    .where("status", "=", "pending")
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
}

/** A pending invitation's project grants (JSON); answers false when it was no longer pending. */
export async function setInvitationProjects(db: Executor, id: string, projects: string, now: string): Promise<boolean> {
  const result = await withInvitations(db).updateTable("invitations").set({ projects, updated_at: now }).where("id", "=", id).where("status", "=", "pending").executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Pending invitations of these ids that are past their expiry, marked expired; answers the ids this call changed. */
export async function markExpired(db: Executor, ids: readonly string[], now: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await withInvitations(db)
    .updateTable("invitations")
    .set({ status: "expired", updated_at: now })
    .where("id", "in", ids)
    .where("status", "=", "pending")
    .where("expires_at", "<=", now)
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

/** Moves a pending invitation on (accepted or revoked); answers false when it was no longer pending. */
export async function closeInvitation(db: Executor, id: string, values: { status: "accepted" | "revoked"; accepted_at?: string; accepted_user_id?: string }, now: string): Promise<boolean> {
  const result = await withInvitations(db)
    .updateTable("invitations")
    .set({ ...values, updated_at: now })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
