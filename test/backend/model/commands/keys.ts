import assert from "node:assert/strict";
import fc from "fast-check";
import { Actor, actorOf, invalid, Key, managesProject, Model, pick, projectGate, Refusal, userIn, writingProjectRole } from "../model";
import { expectCall } from "../real";
import { near, small, step } from "./command";

const forbidden: Refusal = { status: 403, code: "forbidden" };
const keyPath = (m: Model, k: Key) => `/v1/organizations/${m.orgs[m.projects[k.project].org].id}/projects/${m.projects[k.project].id}/api-keys/${k.id}`;

/** Admin and project owner: any key of the project; a project member: the keys they own; nobody else. */
function mayHandle(m: Model, a: Actor, p: number, ownerId: string): boolean {
  return managesProject(m, a, p) || (writingProjectRole(m, a, p) === "member" && ownerId === a.user.id);
}

/** The gate, then permission and archived-is-read-only (either order). */
function keyVerdict(m: Model, a: Actor, p: number, ownerId: string, archivedRefuses: boolean): Refusal[] | null {
  const gate = projectGate(m, a, p);
  if (gate) return gate;
  const refusals = [...(mayHandle(m, a, p, ownerId) ? [] : [forbidden]), ...(archivedRefuses && m.projects[p].archived ? [invalid] : [])];
  return refusals.length ? refusals : null;
}

export const keyCommands = [
  step("createKey", fc.record({ a: small, n: near, p: small, t: small }), (m) => m.projects.length > 0, async (m, r, { a, n, p, t }, say) => {
    const pi = p % m.projects.length;
    const actor = actorOf(m, a, n, pi);
    const project = m.projects[pi];
    // Mostly themselves or another project member as owner.
    const owner = n === 1 ? actor.user : userIn(m, t, n, project.members);
    say(`${actor.label} creates a key in project${pi} owned by ${owner.email}`);
    let verdict = keyVerdict(m, actor, pi, owner.id, true);
    // The owner must be a member of the project (DESIGN.md: "email of a member of the project").
    if (!project.members.has(owner.id)) verdict = verdict ? [...verdict, invalid] : [invalid];
    const path = `/v1/organizations/${m.orgs[project.org].id}/projects/${project.id}/api-keys`;
    const body = await expectCall(r, actor, { method: "POST", path, body: { name: `k${m.next++}`, owner: owner.email } }, verdict, 201);
    if (!body) return;
    assert.deepEqual([body.projectId, body.owner, body.status, typeof body.secret], [project.id, owner.email, "active", "string"]);
    m.keys.push({ id: body.id, project: pi, owner: owner.id, revoked: false });
  }),
  step("revokeKey", fc.record({ a: small, n: near, k: small }), (m) => m.keys.length > 0, async (m, r, { a, n, k }, say) => {
    const key = pick(m.keys, k);
    const actor = actorOf(m, a, n, key.project);
    say(`${actor.label} revokes ${key.id} of project${key.project}`);
    // Revoking a revoked key (also every key of an archived project) is a no-op 204 (backend/README.md).
    const verdict = keyVerdict(m, actor, key.project, key.owner, false);
    await expectCall(r, actor, { method: "DELETE", path: keyPath(m, key) }, verdict, 204);
    if (!verdict) key.revoked = true;
  }),
  step("renameKey", fc.record({ a: small, n: near, k: small }), (m) => m.keys.length > 0, async (m, r, { a, n, k }, say) => {
    const key = pick(m.keys, k);
    const actor = actorOf(m, a, n, key.project);
    say(`${actor.label} renames ${key.id} of project${key.project}`);
    // An archived project is read-only, its revoked keys included (issue 7, hole 5).
    const verdict = keyVerdict(m, actor, key.project, key.owner, true);
    const body = await expectCall(r, actor, { method: "PATCH", path: keyPath(m, key), body: { name: `r${m.next++}` } }, verdict, 200);
    if (body) assert.equal(body.id, key.id);
  }),
];
