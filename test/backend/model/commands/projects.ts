import assert from "node:assert/strict";
import fc from "fast-check";
import { Actor, actorIn, actorOf, fresh, invalid, isAdmin, managesProject, Model, notFound, orgGate, orgRole, pick, PROJECT_ROLES, projectGate, Refusal, User, userIn } from "../model";
import { expectCall } from "../real";
import { invitedWithoutAccount, pendingInvitation } from "./invitations";
import { near, small, step } from "./command";

const forbidden: Refusal = { status: 403, code: "forbidden" };
const hasOrgs = (m: Readonly<Model>) => m.orgs.length > 0;
const hasProjects = (m: Readonly<Model>) => m.projects.length > 0;
const projectPath = (m: Model, p: number) => `/v1/organizations/${m.orgs[m.projects[p].org].id}/projects/${m.projects[p].id}`;

/** Managing a project's members: the gate, then the right to manage, then archived is read-only (either order). */
function manageVerdict(m: Model, a: Actor, p: number, archivedRefuses = true): Refusal[] | null {
  const gate = projectGate(m, a, p);
  if (gate) return gate;
  const refusals = [...(managesProject(m, a, p) ? [] : [forbidden]), ...(archivedRefuses && m.projects[p].archived ? [invalid] : [])];
  return refusals.length ? refusals : null;
}

/** A target who is not a member of the scope: 404 on its id, or 403 to one who may not manage anyway. */
function absent(m: Model, a: Actor, p: number, user: User): Refusal[] {
  const missing: Refusal = { ...notFound, hidden: user.id };
  return managesProject(m, a, p) && !m.projects[p].archived ? [missing] : [missing, forbidden, invalid];
}

const sortedGrants = (grants: { projectId: string; role: string }[]) => grants.map((g) => `${g.projectId} ${g.role}`).sort();

export const projectCommands = [
  step("createProject", fc.record({ a: small, n: near, o: small, limits: fc.boolean() }), hasOrgs, async (m, r, { a, n, o, limits }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    const org = m.orgs[oi];
    const role = orgRole(m, actor, oi);
    say(`${actor.label} creates a project in org${oi}${limits ? " with limits" : ""}`);
    const may = role === "admin" || (role === "member" && org.membersCanCreate);
    // `limits` are admin-only on change, so on create too (issue 7, hole 5).
    let verdict = orgGate(m, actor, oi) ?? (may ? null : [forbidden]);
    if (!verdict && limits && role !== "admin") verdict = [forbidden, invalid];
    const name = fresh(m, "p");
    const body = await expectCall(r, actor, { method: "POST", path: `/v1/organizations/${org.id}/projects`, body: { name, environment: "development", ...(limits ? { limits: { requestsPerMinute: 5 } } : {}) } }, verdict, 201);
    if (!body) return;
    assert.equal(body.organizationId, org.id);
    const members = new Map(role === "admin" ? [] : [[actor.user.id, "owner" as const]]);
    m.projects.push({ id: body.id, org: oi, name, archived: false, members });
  }),
  step("archiveProject", fc.record({ a: small, n: near, p: small }), hasProjects, async (m, r, { a, n, p }, say) => {
    const pi = p % m.projects.length;
    const actor = actorOf(m, a, n, pi);
    const project = m.projects[pi];
    say(`${actor.label} archives project${pi}`);
    const verdict = projectGate(m, actor, pi) ?? (isAdmin(m, actor, project.org) ? null : [forbidden]);
    await expectCall(r, actor, { method: "DELETE", path: projectPath(m, pi) }, verdict, 204);
    if (verdict) return;
    project.archived = true;
    for (const k of m.keys) if (k.project === pi) k.revoked = true;
  }),
  step("addProjectMember", fc.record({ a: small, n: near, p: small, t: small, role: fc.constantFrom(...PROJECT_ROLES), invitee: fc.boolean() }), hasProjects, async (m, r, { a, n, p, t, role, invitee }, say) => {
    // Half the time, an address some organization invited that has no account (when there is one), and a project of that organization.
    const invited = invitee ? m.orgs.flatMap((_, o) => invitedWithoutAccount(m, o)) : [];
    const guest = invited.length > 0 ? pick(invited, t) : undefined;
    const theirs = guest ? m.projects.map((_, i) => i).filter((i) => m.projects[i].org === guest.org) : [];
    const pi = theirs.length > 0 ? pick(theirs, p) : p % m.projects.length;
    const actor = actorOf(m, a, n, pi);
    const project = m.projects[pi];
    if (guest && theirs.length > 0) {
      // The project joins the person's pending invitation to its organization (202), if there is one.
      const email = guest.email;
      say(`${actor.label} adds the invitee ${email} to project${pi} as ${role}`);
      const pending = pendingInvitation(m, project.org, email);
      const verdict = manageVerdict(m, actor, pi) ?? (pending ? null : [invalid]);
      const body = await expectCall(r, actor, { method: "POST", path: `${projectPath(m, pi)}/members`, body: { email, role } }, verdict, 202);
      if (!body || !pending) return;
      assert.deepEqual([body.id, body.status], [pending.id, "pending"]);
      pending.projects = [...pending.projects.filter((x) => x.project !== pi), { project: pi, role }];
      assert.deepEqual(sortedGrants(body.projects), sortedGrants(pending.projects.map((x) => ({ projectId: m.projects[x.project].id, role: x.role }))));
      return;
    }
    const target = userIn(m, t, n, m.orgs[project.org].members);
    say(`${actor.label} adds ${target.email} to project${pi} as ${role}`);
    let verdict = manageVerdict(m, actor, pi);
    // Only members of the project's organization may join it; DESIGN.md names no code for the refusal.
    if (!verdict && !m.orgs[project.org].members.has(target.id)) verdict = [invalid, notFound, forbidden];
    else if (!verdict && project.members.has(target.id)) verdict = [{ status: 409, code: "member_exists" }];
    const body = await expectCall(r, actor, { method: "POST", path: `${projectPath(m, pi)}/members`, body: { email: target.email, role } }, verdict, 201);
    if (!body) return;
    assert.deepEqual([body.userId, body.projectId, body.role], [target.id, project.id, role]);
    project.members.set(target.id, role);
  }),
  step("removeProjectMember", fc.record({ a: small, n: near, p: small, t: small }), hasProjects, async (m, r, { a, n, p, t }, say) => {
    const pi = p % m.projects.length;
    const actor = actorOf(m, a, n, pi);
    const project = m.projects[pi];
    const target = userIn(m, t, n, project.members);
    say(`${actor.label} removes ${target.email} from project${pi}`);
    let verdict = projectGate(m, actor, pi);
    if (!verdict && !project.members.has(target.id)) verdict = absent(m, actor, pi, target);
    // Taking access away from an archived project is allowed: the backend does (DESIGN.md is silent).
    else verdict = verdict ?? manageVerdict(m, actor, pi, false);
    const keys = m.keys.filter((k) => k.project === pi && !k.revoked && k.owner === target.id);
    if (!verdict && keys.length) verdict = [{ status: 409, code: "owns_active_keys" }];
    await expectCall(r, actor, { method: "DELETE", path: `${projectPath(m, pi)}/members/${target.id}` }, verdict, 204);
    if (!verdict) project.members.delete(target.id);
  }),
  step("changeProjectRole", fc.record({ a: small, n: near, p: small, t: small, role: fc.constantFrom(...PROJECT_ROLES) }), hasProjects, async (m, r, { a, n, p, t, role }, say) => {
    const pi = p % m.projects.length;
    const actor = actorOf(m, a, n, pi);
    const project = m.projects[pi];
    const target = userIn(m, t, n, project.members);
    say(`${actor.label} makes ${target.email} ${role} of project${pi}`);
    let verdict = projectGate(m, actor, pi);
    if (!verdict && !project.members.has(target.id)) verdict = absent(m, actor, pi, target);
    else verdict = verdict ?? manageVerdict(m, actor, pi);
    const body = await expectCall(r, actor, { method: "PATCH", path: `${projectPath(m, pi)}/members/${target.id}`, body: { role } }, verdict, 200);
    if (!body) return;
    assert.equal(body.role, role);
    project.members.set(target.id, role);
  }),
];
