import assert from "node:assert/strict";
import fc from "fast-check";
import { Actor, actorIn, actorOf, fences, forbidden, fresh, invalid, isAdmin, managesProject, Model, notFound, ORG_ROLES, OrgRole, orgGate, pick, PROJECT_ROLES, projectGate, ProjectRole, Refusal, unauthenticated, User } from "../model";
import { expectCall, Real } from "../real";
import { sqlQuery } from "../../helpers";
import { near, small, step } from "./command";

/**
 * Invitations (issue 22): who may send, revoke, list and accept them. Only an admin sends and
 * revokes; every member lists; only the invitee, signed in and holding the link's code, accepts,
 * and to anyone else the invitation does not exist (404 like a missing id). Accepting grants the
 * organization role and the roles in the invitation's projects that are still active.
 */

export interface ModelInvitation {
  id: string;
  org: number;
  email: string;
  role: OrgRole;
  projects: { project: number; role: ProjectRole }[];
  code: string;
  status: "pending" | "accepted" | "expired" | "revoked";
}

// The model's own state for invitations, kept in this file's part of the model.
declare module "../model" {
  interface Model {
    invitations?: ModelInvitation[];
  }
}

export const invitationsOf = (m: Readonly<Model>): ModelInvitation[] => m.invitations ?? [];

/** Invitations of this organization to addresses that have no account (nobody accepted, signed in or was minted a token). */
export const invitedWithoutAccount = (m: Readonly<Model>, o: number): ModelInvitation[] => invitationsOf(m).filter((x) => x.org === o && !m.users.some((u) => u.email === x.email));

/** The organization's pending invitation for this address, if any. */
export const pendingInvitation = (m: Readonly<Model>, o: number, email: string): ModelInvitation | undefined =>
  invitationsOf(m).find((x) => x.org === o && x.email === email && x.status === "pending");

/** An invitation the model now believes in, from the 201/202 that sent it (its accept code out of acceptUrl). */
export function believeSent(m: Model, o: number, body: { id: string; email: string; role: OrgRole; acceptUrl: string }, projects: ModelInvitation["projects"]): void {
  assert.equal(body.acceptUrl.includes(body.id), true, `acceptUrl of ${body.id}`);
  const code = new URL(body.acceptUrl).searchParams.get("code")!;
  (m.invitations ??= []).push({ id: body.id, org: o, email: body.email, role: body.role, projects, code, status: "pending" });
}
const hasOrgs = (m: Readonly<Model>) => m.orgs.length > 0;
const hasInvitations = (m: Readonly<Model>) => invitationsOf(m).length > 0;
const closed: Refusal = { status: 409, code: "invitation_closed" };
/** Where the invitees of the model sign in: neither of the organizations' ISSUERS. */
const SIGNED_IN_AT = "https://idp.model.test";
const ACCEPT_IP = "10.0.1.1";

/**
 * A token as a sign-in yields it (its issuer and subject recorded), minted on the host: signing in
 * through a real identity provider is sign-in.test.ts's; here only what the token proves matters.
 */
async function signedInToken(r: Real, email: string): Promise<{ userId: string; token: string; tokenId: string }> {
  const minted = await r.host.mintPerson(email);
  await sqlQuery(r.backend, "UPDATE tokens SET sso_issuer = $1, sso_subject = $2, sso_auth_time = $3, sso_mfa = 0 WHERE id = $4", [SIGNED_IN_AT, email, new Date().toISOString(), minted.tokenId]);
  return minted;
}

/** The model's verdict on accepting `inv` as this caller (a person's token, signed in or not). */
function acceptVerdict(m: Model, inv: ModelInvitation, caller: Actor): Refusal[] | null {
  if (!caller.live) return [unauthenticated];
  if (caller.user.kind !== "person") return [forbidden];
  const org = m.orgs[inv.org];
  if (caller.user.email !== inv.email || org.deleted) return [{ ...notFound, hidden: inv.id }];
  if (!caller.signIn) return [forbidden];
  // Joining is done in the organization: its policy (address, token age, SSO, MFA) holds for the token as it will after.
  const fenced = fences(m, caller, inv.org);
  if (fenced.length > 0) return fenced;
  if (inv.status !== "pending") return [closed];
  const user = m.users.find((u) => u.email === inv.email);
  return user && org.members.has(user.id) ? [{ status: 409, code: "member_exists" }] : null;
}

export const invitationCommands = [
  step(
    "sendInvitation",
    fc.record({ a: small, n: near, o: small, t: small, role: fc.constantFrom(...ORG_ROLES), newcomer: fc.boolean(), p: small, projectRole: fc.constantFrom(...PROJECT_ROLES) }),
    hasOrgs,
    async (m, r, { a, n, o, t, role, newcomer, p, projectRole }, say) => {
      const oi = o % m.orgs.length;
      const actor = actorIn(m, a, n, oi);
      const org = m.orgs[oi];
      const email = newcomer ? `${fresh(m, "inv")}@model.test` : pick(m.users, t).email;
      const target = m.users.find((u) => u.email === email);
      // Now and then a project of the organization (archived ones are refused with a 400).
      const own = m.projects.map((x, i) => ({ x, i })).filter(({ x }) => x.org === oi);
      const project = p % 2 === 0 && own.length > 0 ? pick(own, p) : undefined;
      say(`${actor.label} invites ${newcomer ? "a newcomer" : email} to org${oi} as ${role}${project ? ` and ${projectRole} of project${project.i}` : ""}`);
      let verdict = orgGate(m, actor, oi) ?? (isAdmin(m, actor, oi) ? null : [forbidden]);
      if (!verdict && target?.kind === "service_account") verdict = [invalid];
      else if (!verdict && target && org.members.has(target.id)) verdict = [{ status: 409, code: "member_exists" }];
      else if (!verdict && project?.x.archived) verdict = [invalid];
      const projects = project ? [{ projectId: project.x.id, role: projectRole }] : [];
      const body = await expectCall(r, actor, { method: "POST", path: `/v1/organizations/${org.id}/invitations`, body: { email, role, projects } }, verdict, 201);
      if (!body) return;
      assert.equal(body.status, "pending");
      believeSent(m, oi, body, project ? [{ project: project.i, role: projectRole }] : []);
    },
  ),
  step(
    "acceptInvitation",
    // Who accepts: the invitee signed in (half the time), someone else signed in, or an actor's own token.
    fc.record({ i: small, who: fc.nat({ max: 3 }), a: small, t: small }),
    hasInvitations,
    async (m, r, { i, who, a, t }, say) => {
      const inv = pick(invitationsOf(m), i);
      let caller: Actor;
      if (who <= 2) {
        const other = m.users.filter((u) => u.kind === "person" && u.email !== inv.email);
        const email = who <= 1 || other.length === 0 ? inv.email : pick(other, t).email;
        const minted = await signedInToken(r, email);
        if (!m.users.some((u) => u.email === email)) m.users.push({ id: minted.userId, email, kind: "person" });
        const user: User = { id: minted.userId, email, kind: "person" };
        caller = { label: email, user, token: minted.token, tokenId: minted.tokenId, ip: ACCEPT_IP, ageDays: 0, live: true, signIn: { issuer: SIGNED_IN_AT, mfa: false } };
      } else {
        // An actor's own token: from a sign-in at one of the ISSUERS, or the host's (break-glass).
        caller = pick(m.actors, a);
      }
      say(`${caller.user.email}${caller.signIn ? " (signed in)" : ""} accepts invitation ${inv.id} (${inv.status}) of org${inv.org} for ${inv.email}`);
      const verdict = acceptVerdict(m, inv, caller);
      const body = await expectCall(r, caller, { method: "POST", path: `/v1/invitations/${inv.id}/accept?code=${inv.code}` }, verdict, 200);
      if (!body) return;
      assert.deepEqual([body.organizationId, body.email, body.role], [m.orgs[inv.org].id, inv.email, inv.role]);
      inv.status = "accepted";
      m.orgs[inv.org].members.set(body.userId, inv.role);
      for (const grant of inv.projects) if (!m.projects[grant.project].archived) m.projects[grant.project].members.set(body.userId, grant.role);
    },
  ),
  step("revokeInvitation", fc.record({ i: small, a: small, n: near }), hasInvitations, async (m, r, { i, a, n }, say) => {
    const inv = pick(invitationsOf(m), i);
    const actor = actorIn(m, a, n, inv.org);
    say(`${actor.label} revokes invitation ${inv.id} (${inv.status}) of org${inv.org}`);
    let verdict = orgGate(m, actor, inv.org) ?? (isAdmin(m, actor, inv.org) ? null : [forbidden]);
    if (!verdict && inv.status === "accepted") verdict = [closed];
    await expectCall(r, actor, { method: "DELETE", path: `/v1/organizations/${m.orgs[inv.org].id}/invitations/${inv.id}` }, verdict, 204);
    if (!verdict && inv.status === "pending") inv.status = "revoked";
  }),
  step("removeInvitationProject", fc.record({ i: small, a: small, n: near, p: small }), hasInvitations, async (m, r, { i, a, n, p }, say) => {
    const inv = pick(invitationsOf(m), i);
    // Mostly a project the invitation names; else any project of its organization (a no-op then).
    const own = m.projects.map((x, pi) => ({ x, pi })).filter(({ x }) => x.org === inv.org);
    if (own.length === 0) return say(`invitation ${inv.id} of org${inv.org}: its organization has no project to take out`);
    const named = own.filter(({ pi }) => inv.projects.some((g) => g.project === pi));
    const { pi } = pick(n > 0 && named.length > 0 ? named : own, p);
    const actor = actorOf(m, a, n, pi);
    say(`${actor.label} takes project${pi} out of invitation ${inv.id} (${inv.status}) of org${inv.org}`);
    // As removing a project member: the project's owners and the admins, archived or not.
    let verdict = projectGate(m, actor, pi) ?? (managesProject(m, actor, pi) ? null : [forbidden]);
    if (!verdict && inv.status !== "pending") verdict = [closed];
    await expectCall(r, actor, { method: "DELETE", path: `/v1/organizations/${m.orgs[inv.org].id}/invitations/${inv.id}/projects/${m.projects[pi].id}` }, verdict, 204);
    if (!verdict) inv.projects = inv.projects.filter((g) => g.project !== pi);
  }),
  step("expireInvitation", fc.record({ i: small }), hasInvitations, async (m, r, { i }, say) => {
    const inv = pick(invitationsOf(m), i);
    say(`invitation ${inv.id} (${inv.status}) of org${inv.org} reaches its expiry`);
    await sqlQuery(r.backend, "UPDATE invitations SET expires_at = $1 WHERE id = $2", [new Date(Date.now() - 1000).toISOString(), inv.id]);
    if (inv.status === "pending") inv.status = "expired";
  }),
  step("listInvitations", fc.record({ a: small, n: near, o: small }), hasOrgs, async (m, r, { a, n, o }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    say(`${actor.label} lists the invitations of org${oi}`);
    const body = await expectCall(r, actor, { method: "GET", path: `/v1/organizations/${m.orgs[oi].id}/invitations?limit=100` }, orgGate(m, actor, oi), 200);
    if (!body) return;
    const want = invitationsOf(m).filter((x) => x.org === oi).map((x) => `${x.id} ${x.email} ${x.role} ${x.status}`);
    assert.deepEqual(body.data.map((x: any) => `${x.id} ${x.email} ${x.role} ${x.status}`), want, `invitations of org${oi} as ${actor.label}`);
  }),
];
