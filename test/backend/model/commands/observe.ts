import assert from "node:assert/strict";
import fc from "fast-check";
import { Actor, actorIn, actorOf, label, Model, notFound, orgGate, pick, projectGate, projectRole, Refusal, seesOrg, seesProject, unauthenticated } from "../model";
import { expectCall, Real } from "../real";
import { always, near, small, step } from "./command";

/** Reads: each compares what the actor is shown with exactly what the model says it may see. */

const sorted = <T>(xs: T[]) => [...xs].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
const hasOrgs = (m: Readonly<Model>) => m.orgs.length > 0;
const hasProjects = (m: Readonly<Model>) => m.projects.length > 0;

/** `billing` is shown to admin and billing only. */
function checkOrgObject(m: Model, a: Actor, body: any, where: string) {
  const o = m.orgs.findIndex((x) => x.id === body.id);
  assert.ok(o >= 0 && seesOrg(m, a, o), `${where}: ${a.label} is shown organization ${body.id} it may not see`);
  const role = m.orgs[o].members.get(a.user.id);
  assert.equal("billing" in body, role === "admin" || role === "billing", `${where}: billing shown to ${a.label} (${role}) of ${body.id}`);
}

export async function checkOrgList(m: Model, r: Real, a: Actor): Promise<void> {
  const body = await expectCall(r, a, { method: "GET", path: "/v1/organizations?limit=100" }, a.live ? null : [unauthenticated], 200);
  if (!body) return;
  const want = m.orgs.filter((_, o) => seesOrg(m, a, o)).map((o) => o.id);
  const names = (ids: string[]) => sorted(ids.map((id) => label(m, id)));
  assert.deepEqual(names(body.data.map((x: any) => x.id)), names(want), `GET /v1/organizations as ${a.label}`);
  for (const item of body.data) checkOrgObject(m, a, item, "GET /v1/organizations");
}

export async function checkMe(m: Model, r: Real, a: Actor): Promise<void> {
  const body = await expectCall(r, a, { method: "GET", path: "/v1/me" }, a.live ? null : [unauthenticated], 200);
  if (!body) return;
  assert.equal(body.user.id, a.user.id);
  assert.equal(body.user.kind, a.user.kind);
  assert.equal(body.token.breakGlass, a.user.kind === "person" && !a.signIn, `/v1/me token.breakGlass of ${a.label}`);
  assert.deepEqual(body.token.signIn && { issuer: body.token.signIn.issuer, mfa: body.token.signIn.mfa }, a.signIn, `/v1/me token.signIn of ${a.label}`);
  const orgs = m.orgs.flatMap((o, i) => (seesOrg(m, a, i) ? [`org${i}:${o.members.get(a.user.id)}`] : []));
  assert.deepEqual(sorted(body.organizations.map((x: any) => `${label(m, x.id)}:${x.role}`)), sorted(orgs), `/v1/me organizations of ${a.label}`);
  const projects = m.projects.flatMap((p, i) =>
    seesOrg(m, a, p.org) && projectRole(m, a, i) ? [`project${i} of org${p.org}: ${p.archived ? "archived" : "active"} ${projectRole(m, a, i)}`] : [],
  );
  const got = body.projects.map((x: any) => `${label(m, x.id)} of ${label(m, x.organizationId)}: ${x.status} ${x.role}`);
  assert.deepEqual(sorted(got), sorted(projects), `/v1/me projects of ${a.label}`);
}

/** `/v1/projects/{id}` names no organization: a 404 there hides the project id. */
function byIdGate(m: Model, a: Actor, p: number): Refusal[] | null {
  const gate = projectGate(m, a, p);
  if (!gate) return null;
  const hidden = { ...notFound, hidden: m.projects[p].id };
  // Fenced out of the org and unable to see the project: DESIGN.md orders neither; both are safe.
  return gate.map((x) => (x.status === 404 ? hidden : x)).concat(seesProject(m, a, p) ? [] : [hidden]);
}

export const observeCommands = [
  step("listOrganizations", fc.record({ a: small }), always, async (m, r, { a }, say) => {
    const actor = pick(m.actors, a);
    say(`${actor.label} GET /v1/organizations`);
    await checkOrgList(m, r, actor);
  }),
  step("me", fc.record({ a: small }), always, async (m, r, { a }, say) => {
    const actor = pick(m.actors, a);
    say(`${actor.label} GET /v1/me`);
    await checkMe(m, r, actor);
  }),
  step("readOrganization", fc.record({ a: small, n: near, o: small, what: fc.constantFrom("", "/members", "/service-accounts", "/projects") }), hasOrgs, async (m, r, { a, n, o, what }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    const org = m.orgs[oi];
    say(`${actor.label} GET org${oi}${what}`);
    const body = await expectCall(r, actor, { method: "GET", path: `/v1/organizations/${org.id}${what}${what ? "?limit=100" : ""}` }, orgGate(m, actor, oi), 200);
    if (!body) return;
    if (what === "") return checkOrgObject(m, actor, body, `GET org${oi}`);
    const ids = sorted(body.data.map((x: any) => (what === "/projects" ? label(m, x.id) : `${label(m, x.userId)}:${x.role}`)));
    const want =
      what === "/projects"
        ? m.projects.flatMap((p, i) => (p.org === oi && seesProject(m, actor, i) ? [`project${i}`] : []))
        : [...org.members].filter(([id]) => what === "/members" || m.users.find((u) => u.id === id)?.kind === "service_account").map(([id, role]) => `${label(m, id)}:${role}`);
    assert.deepEqual(ids, sorted(want), `GET org${oi}${what} as ${actor.label}`);
  }),
  step("readProject", fc.record({ a: small, n: near, p: small, what: fc.constantFrom("", "/members", "/api-keys", "byId") }), hasProjects, async (m, r, { a, n, p, what }, say) => {
    const pi = p % m.projects.length;
    const actor = actorOf(m, a, n, pi);
    const project = m.projects[pi];
    const base = `/v1/organizations/${m.orgs[project.org].id}/projects/${project.id}`;
    say(`${actor.label} GET project${pi}${what}`);
    const path = what === "byId" ? `/v1/projects/${project.id}` : `${base}${what}${what ? "?limit=100" : ""}`;
    const body = await expectCall(r, actor, { method: "GET", path }, what === "byId" ? byIdGate(m, actor, pi) : projectGate(m, actor, pi), 200);
    if (!body) return;
    if (what === "" || what === "byId") {
      assert.equal(body.id, project.id);
      assert.equal(body.status, project.archived ? "archived" : "active", `status of project${pi}`);
      return;
    }
    const got = sorted(body.data.map((x: any) => (what === "/members" ? `${label(m, x.userId)}:${x.role}` : `${label(m, x.id)}:${x.status}`)));
    const want =
      what === "/members"
        ? [...project.members].map(([id, role]) => `${label(m, id)}:${role}`)
        : m.keys.flatMap((k, i) => (k.project === pi ? [`key${i}:${k.revoked ? "revoked" : "active"}`] : []));
    assert.deepEqual(got, sorted(want), `GET project${pi}${what} as ${actor.label}`);
  }),
];
