import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { checkMe, checkOrgList } from "./commands/observe";
import { addActor } from "./commands/service-accounts";
import { Actor, ISSUERS, Model, newOrg, OrgRole, ProjectRole, User } from "./model";
import { expectCall, Real } from "./real";

const RUN = randomBytes(3).toString("hex");
let sequences = 0;

/** The token ages a sequence's people start with: fresh, a few days, two months. */
export const AGES = [0, 3, 60];

async function createOrg(m: Model, r: Real, admin: Actor): Promise<number> {
  const body = await expectCall(r, admin, { method: "POST", path: "/v1/organizations", body: { name: `Org ${m.tag} ${m.next++}` } }, null, 201);
  m.orgs.push(newOrg(body.id, admin.user.id));
  return m.orgs.length - 1;
}

async function addMember(m: Model, r: Real, admin: Actor, o: number, user: User, role: OrgRole): Promise<void> {
  await expectCall(r, admin, { method: "POST", path: `/v1/organizations/${m.orgs[o].id}/members`, body: { email: user.email, role } }, null, 201);
  m.orgs[o].members.set(user.id, role);
}

async function createProject(m: Model, r: Real, admin: Actor, o: number, member: User, role: ProjectRole): Promise<string> {
  const name = `p-${m.tag}-${m.next++}`;
  const body = await expectCall(r, admin, { method: "POST", path: `/v1/organizations/${m.orgs[o].id}/projects`, body: { name, environment: "development" } }, null, 201);
  const path = `/v1/organizations/${m.orgs[o].id}/projects/${body.id}`;
  await expectCall(r, admin, { method: "POST", path: `${path}/members`, body: { email: member.email, role } }, null, 201);
  m.projects.push({ id: body.id, org: o, name, archived: false, members: new Map([[member.id, role]]) });
  return path;
}

/**
 * A sequence's own world, so one backend serves the whole run: four people with fresh emails
 * (P0 admin of org0 with member P2; P1 admin of org1 with billing P2 and member P3), a project in
 * each org (P2 its member in org0, with a key; P3 its owner in org1), and an admin service account of org0 with a token — the account the takeover of
 * issue 7 goes after. People's tokens start at the given ages; they are minted on the host
 * (break-glass). P2 and P3 also hold a sign-in session each (issue 22): P2 at the first identity
 * provider with MFA, P3 at the second without, for the SSO and MFA policies to tell apart.
 */
export async function setUp(r: Real, ages: number[]): Promise<Model> {
  const m: Model = { tag: `${RUN}s${++sequences}`, users: [], actors: [], orgs: [], projects: [], keys: [], next: 0 };
  for (let i = 0; i < 4; i++) {
    const email = `p${i}-${m.tag}@model.test`;
    const minted = await r.host.mintPerson(email);
    const user: User = { id: minted.userId, email, kind: "person" };
    m.users.push(user);
    if (ages[i] > 0) await r.host.age(minted.tokenId, ages[i]);
    addActor(m, user, minted.token, minted.tokenId, ages[i]);
  }
  const [p0, p1] = m.actors;
  const [, , u2, u3] = m.users;
  const org0 = await createOrg(m, r, p0);
  const org1 = await createOrg(m, r, p1);
  await addMember(m, r, p0, org0, u2, "member");
  await addMember(m, r, p1, org1, u2, "billing");
  await addMember(m, r, p1, org1, u3, "member");
  const project0 = await createProject(m, r, p0, org0, u2, "member");
  await createProject(m, r, p1, org1, u3, "owner");
  const key = await expectCall(r, p0, { method: "POST", path: `${project0}/api-keys`, body: { name: "k0", owner: u2.email } }, null, 201);
  m.keys.push({ id: key.id, project: 0, owner: u2.id, revoked: false });
  const sa = await expectCall(r, p0, { method: "POST", path: `/v1/organizations/${m.orgs[org0].id}/service-accounts`, body: { name: "deployer", role: "admin" } }, null, 201);
  const saUser: User = { id: sa.userId, email: sa.email, kind: "service_account", home: org0 };
  m.users.push(saUser);
  m.orgs[org0].members.set(saUser.id, "admin");
  const token = await expectCall(r, p0, { method: "POST", path: `/v1/organizations/${m.orgs[org0].id}/service-accounts/${sa.userId}/tokens`, body: { name: "ci" } }, null, 201);
  addActor(m, saUser, token.token, token.id);
  for (const [user, at, mfa] of [[u2, 0, true], [u3, 1, false]] as const) {
    const session = await r.host.mintSignedIn(user.id, ISSUERS[at], mfa);
    addActor(m, user, session.token, session.tokenId, 0, { issuer: ISSUERS[at], mfa });
  }
  return m;
}

/** After the last step: every actor's organization list and /v1/me, once more. */
export async function sweep(m: Model, r: Real): Promise<void> {
  for (const a of m.actors) {
    await checkOrgList(m, r, a);
    await checkMe(m, r, a);
  }
  assert.ok(m.actors.length >= 7);
}
