import type { Membership, Token } from "../../schema";
import type { Invitation } from "../../schema/invitation";
import type { Scope, TenancyClient } from "../client";
import { overlapEnd } from "../overlap";
import { allPages } from "./pages";
import { declares, StackIdentity } from "./stack";

/**
 * Undeclared access: in an organization, the members, service accounts and pending invitations;
 * in a project, the project members, API keys and pending invitations' grants of the project,
 * that no resource of the stack declares (stack.ts). A pending invitation is access not yet
 * taken: whoever holds its link gets the role when they accept, so it is listed (and revoked)
 * before it becomes a membership. It is what
 * `exclusiveAccess: true` removes and what `tenancy drift` reports. Never removed, and so reported
 * apart as kept: the caller (the deployer), and the one admin an organization would otherwise be
 * left without. A key or service account whose credentials all expire within a rotation's overlap
 * is already on its way out (an earlier `up` shortened its expiry): it is no longer drift.
 */

export type AccessKind = "member" | "serviceAccount" | "projectMember" | "apiKey" | "invitation";

/** One grant no resource declares; plain JSON, kept in state and printed by `tenancy drift --json`. */
export interface Access {
  kind: AccessKind;
  /** The user's id (members, service accounts), the key's id or the invitation's id. */
  id: string;
  /** The person's email (members, invitations), the service account's name, or the key's name. */
  who: string;
  /** The member's role, the role the invitation grants in the scope, or the key's permissions. */
  role: string;
  organizationId: string;
  projectId?: string;
  /** A key's redacted value: enough to recognise it, never the secret. */
  redactedValue?: string;
}

export interface Kept extends Access {
  /** Why it stays: a sentence fragment (`it is the deployer's own`). */
  why: string;
}

export interface UndeclaredAccess {
  /** What `exclusiveAccess` removes. */
  removable: Access[];
  /** What it never removes, and why. */
  kept: Kept[];
}

/** An organization's pending invitations, by its id. */
export type InvitationsOf = (organizationId: string) => Promise<Invitation[]>;

/**
 * Reads each organization's pending invitations once, however many of its scopes ask: they are
 * the organization's, and every project of it looks for its grants in the same list.
 */
export function pendingInvitations(client: TenancyClient): InvitationsOf {
  const read = new Map<string, Promise<Invitation[]>>();
  return (organizationId) => {
    let invitations = read.get(organizationId);
    if (!invitations) read.set(organizationId, (invitations = allPages((q) => client.invitations.list(organizationId, { ...q, status: "pending" }))));
    return invitations;
  };
}

/**
 * The undeclared access of `scope` (an organization, or a project of it) as the backend has it
 * now. `deployers`: users kept beside the caller (the one whose token made the organization or
 * project, when a job of another token asks). `invitationsOf`: where the organization's pending
 * invitations are read, shared when several scopes of one organization are asked in a row.
 */
export async function undeclaredAccess(
  client: TenancyClient,
  scope: Scope,
  stack: StackIdentity,
  deployers: readonly (string | undefined)[] = [],
  invitationsOf: InvitationsOf = pendingInvitations(client),
  now = Date.now(),
): Promise<UndeclaredAccess> {
  const [caller, members, invitations] = await Promise.all([client.myUserId(), allPages((q) => client.members.list(scope, q)), invitationsOf(scope.organizationId)]);
  const kept = new Set([caller, ...deployers]);
  const retiredBy = overlapEnd(undefined, now)!;
  const out: UndeclaredAccess = { removable: [], kept: [] };
  for (const m of members.filter((m) => !declares(stack, m.externalId))) {
    const access = memberAccess(m, scope);
    if (kept.has(m.userId)) out.kept.push({ ...access, why: "it is the deployer's own" });
    else if (m.kind === "person" || scope.projectId || (await stillWorks(client, m, retiredBy))) out.removable.push(access);
  }
  if (scope.projectId) {
    const keys = await allPages((q) => client.apiKeys.list(scope.organizationId, scope.projectId!, { ...q, status: "active" }));
    for (const k of keys.filter((k) => !declares(stack, k.externalId) && outlives(k, retiredBy))) {
      out.removable.push({ kind: "apiKey", id: k.id, who: k.name, role: k.permissions, organizationId: k.organizationId, projectId: k.projectId, redactedValue: k.redactedValue });
    }
  } else {
    keepOneAdmin(out, members);
  }
  undeclaredInvitations(out, invitations, scope, stack);
  return out;
}

/**
 * Pending invitations no resource declares. In an organization, the invitation itself (sent by
 * hand, or by another stack); one that also carries a project grant this stack declares is kept:
 * revoking it would take that grant too. In a project, an undeclared grant of the project that
 * an invitation carries (taken out of it, the invitation stays).
 */
function undeclaredInvitations(out: UndeclaredAccess, invitations: Invitation[], scope: Scope, stack: StackIdentity): void {
  for (const inv of invitations) {
    const base = { kind: "invitation" as const, id: inv.id, who: inv.email, organizationId: inv.organizationId };
    if (scope.projectId) {
      const grant = inv.projects.find((p) => p.projectId === scope.projectId);
      if (grant && !declares(stack, grant.externalId)) out.removable.push({ ...base, role: grant.role, projectId: scope.projectId });
    } else if (!declares(stack, inv.externalId)) {
      const access = { ...base, role: inv.role };
      if (inv.projects.some((p) => declares(stack, p.externalId))) out.kept.push({ ...access, why: "it also carries a project grant this stack declares: declare the person in the organization too" });
      else out.removable.push(access);
    }
  }
}

function memberAccess(m: Membership, scope: Scope): Access {
  const kind: AccessKind = scope.projectId ? "projectMember" : m.kind === "service_account" ? "serviceAccount" : "member";
  const who = m.kind === "service_account" ? (m.name ?? m.email) : m.email;
  return { kind, id: m.userId, who, role: m.role, organizationId: m.organizationId, ...(m.projectId ? { projectId: m.projectId } : {}) };
}

/** A credential that works past `retiredBy`: not expiring within the overlap. */
const outlives = (c: { status: string; expiresAt?: string }, retiredBy: string) => c.status === "active" && (!c.expiresAt || c.expiresAt > retiredBy);

/**
 * Whether a service account is still access to remove: it has a token that outlives the overlap,
 * or no working token left (then its membership itself goes). One whose tokens all expire within
 * the overlap is on its way out.
 */
async function stillWorks(client: TenancyClient, m: Membership, retiredBy: string): Promise<boolean> {
  const tokens: Token[] = await allPages((q) => client.serviceAccounts.tokens(m.organizationId, m.userId, q));
  const active = tokens.filter((t) => t.status === "active");
  return active.length === 0 || active.some((t) => outlives(t, retiredBy));
}

/** The backend refuses to remove an organization's last admin: keep the longest-standing undeclared one when none else would stay. */
function keepOneAdmin(out: UndeclaredAccess, members: Membership[]): void {
  const leaving = new Set(out.removable.filter((a) => a.role === "admin").map((a) => a.id));
  if (leaving.size === 0 || members.some((m) => m.role === "admin" && !leaving.has(m.userId))) return;
  const oldest = members.filter((m) => leaving.has(m.userId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  const i = out.removable.findIndex((a) => a.id === oldest.userId);
  out.kept.push({ ...out.removable[i], why: "it is the organization's last admin" });
  out.removable.splice(i, 1);
}

/** The access in words: `eve@acme.test (admin of organization org_…)`, `key backend (tpk_…4f2a) of project proj_…`. */
export function describeAccess(a: Access): string {
  const where = a.projectId ? `project ${a.projectId}` : `organization ${a.organizationId}`;
  switch (a.kind) {
    case "apiKey":
      return `key ${a.who} (${a.redactedValue}, ${a.role}) of ${where}`;
    case "serviceAccount":
      return `service account ${a.who} (${a.role} of ${where})`;
    case "invitation":
      return `invitation of ${a.who} (${a.role} of ${where}, pending)`;
    default:
      return `${a.who} (${a.role} of ${where})`;
  }
}
