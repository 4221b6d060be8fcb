import assert from "node:assert/strict";
import fc from "fast-check";
import { Actor, actorIn, choose, fences, invalid, ipIn, ISSUERS, Model, newOrg, orgGate, orgRole, pick, Refusal, signInFences, unauthenticated } from "../model";
import { expectCall, Real } from "../real";
import { near, small, step } from "./command";
import { addActor, MAX_ACTORS } from "./service-accounts";

const forbidden: Refusal = { status: 403, code: "forbidden" };
const hasOrgs = (m: Readonly<Model>) => m.orgs.length > 0;
export const MAX_ORGS = 4;

/**
 * An organization change by an admin: the gate, then the admin check. A patch that changes
 * nothing is a 200 for billing too (the backend lets billing through to check billing fields;
 * DESIGN.md is silent on no-op patches).
 */
function adminVerdict(m: Model, a: Actor, o: number, noop = false): Refusal[] | null {
  const role = orgRole(m, a, o);
  return orgGate(m, a, o) ?? (role === "admin" || (noop && role === "billing") ? null : [forbidden]);
}

async function patchOrg(m: Model, r: Real, a: Actor, o: number, body: unknown, verdict: Refusal[] | null): Promise<boolean> {
  const res = await expectCall(r, a, { method: "PATCH", path: `/v1/organizations/${m.orgs[o].id}`, body }, verdict, 200);
  return res !== undefined;
}

/**
 * Sign-in policies fence only the signed-in sessions, a few among the actors: so that a sequence
 * often has one on, their changes come from the organization's admins three times in four.
 */
function adminIn(m: Model, a: number, n: number, o: number): Actor {
  return choose(m.actors, a, n, m.actors.filter((x) => x.live && orgRole(m, x, o) === "admin"));
}

/** The org's security policy: who is fenced out by address, token age, sign-in provider or its want of MFA. */
export const policyCommands = [
  step("setIpAllowlist", fc.record({ a: small, n: near, o: small, allow: fc.uniqueArray(small, { maxLength: 3 }), self: fc.boolean() }), hasOrgs, async (m, r, { a, n, o, allow, self }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    const ips = [...new Set([...allow.map((i) => pick(m.actors, i).ip), ...(self ? [actor.ip] : [])])];
    const list = ips.map((ip) => `${ip}/32`);
    say(`${actor.label} sets the IP allowlist of org${oi} to [${list.join(", ")}]`);
    const same = list.join() === m.orgs[oi].allowlist.join();
    let verdict = adminVerdict(m, actor, oi, same);
    // The backend refuses an allowlist that would lock out the admin setting it (DESIGN.md is silent).
    if (!verdict && !same && !ipIn(actor.ip, list)) verdict = [invalid];
    if (await patchOrg(m, r, actor, oi, { securityPolicy: { ipAllowlist: list } }, verdict)) m.orgs[oi].allowlist = list;
  }),
  step("setMaxTokenAge", fc.record({ a: small, n: near, o: small, days: fc.constantFrom(undefined, 1, 30, 365) }), hasOrgs, async (m, r, { a, n, o, days }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    say(`${actor.label} sets session.maxTokenLifetimeDays of org${oi} to ${days ?? "none"}`);
    const body = { securityPolicy: { session: { maxTokenLifetimeDays: days ?? null } } };
    const same = m.orgs[oi].maxDays === days;
    let verdict = adminVerdict(m, actor, oi, same);
    // Nor one that would refuse the admin's own token as too old (the same lockout guard).
    if (!verdict && !same && days !== undefined && actor.ageDays > days) verdict = [invalid];
    if (await patchOrg(m, r, actor, oi, body, verdict)) m.orgs[oi].maxDays = days;
  }),
  step("setSso", fc.record({ a: small, n: near, o: small, at: fc.constantFrom(undefined, 0, 1) }), hasOrgs, async (m, r, { a, n, o, at }, say) => {
    const oi = o % m.orgs.length;
    const actor = adminIn(m, a, n, oi);
    const org = m.orgs[oi];
    const issuer = at === undefined ? undefined : ISSUERS[at];
    say(`${actor.label} sets securityPolicy.sso of org${oi} to ${issuer ? `enforced at ${issuer}` : "not enforced"}`);
    const sso = issuer ? { enforced: true, issuer } : { ...org.sso, enforced: false };
    const same = sso.enforced === org.sso.enforced && sso.issuer === org.sso.issuer;
    let verdict = adminVerdict(m, actor, oi, same);
    // Nor an SSO policy the admin's own sign-in does not meet (the same lockout guard).
    if (!verdict && !same && signInFences({ ...org, sso }, actor).length > 0) verdict = [invalid];
    const body = { securityPolicy: { sso: issuer ? { enforced: true, protocol: "oidc", issuer } : { enforced: false } } };
    if (await patchOrg(m, r, actor, oi, body, verdict)) org.sso = sso;
  }),
  step("setRequireMfa", fc.record({ a: small, n: near, o: small, on: fc.boolean() }), hasOrgs, async (m, r, { a, n, o, on }, say) => {
    const oi = o % m.orgs.length;
    const actor = adminIn(m, a, n, oi);
    const org = m.orgs[oi];
    say(`${actor.label} sets securityPolicy.session.requireMfa of org${oi} to ${on}`);
    const same = org.requireMfa === on;
    let verdict = adminVerdict(m, actor, oi, same);
    if (!verdict && !same && signInFences({ ...org, requireMfa: on }, actor).length > 0) verdict = [invalid];
    if (await patchOrg(m, r, actor, oi, { securityPolicy: { session: { requireMfa: on } } }, verdict)) org.requireMfa = on;
  }),
];

export const organizationCommands = [
  // Only people: a service account lives in exactly one organization, so it may not create a second.
  step("createOrganization", fc.record({ a: small }), (m) => m.orgs.length < MAX_ORGS, async (m, r, { a }, say) => {
    const actor = pick(m.actors, a);
    say(`${actor.label} creates org${m.orgs.length}`);
    const verdict = !actor.live ? [unauthenticated] : actor.user.kind === "person" ? null : [forbidden];
    const body = await expectCall(r, actor, { method: "POST", path: "/v1/organizations", body: { name: `Org ${m.tag} ${m.next++}` } }, verdict, 201);
    if (!body) return;
    m.orgs.push(newOrg(body.id, actor.user.id));
  }),
  step("deleteOrganization", fc.record({ a: small, n: near, o: small }), hasOrgs, async (m, r, { a, n, o }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    say(`${actor.label} deletes org${oi}`);
    let verdict = adminVerdict(m, actor, oi);
    if (!verdict && m.projects.some((p) => p.org === oi && !p.archived)) verdict = [{ status: 409, code: "has_active_projects" }];
    await expectCall(r, actor, { method: "DELETE", path: `/v1/organizations/${m.orgs[oi].id}` }, verdict, 204);
    if (verdict) return;
    m.orgs[oi].deleted = true;
    // Its service accounts have nowhere left to act: their tokens die with it (issue 7, hole 5).
    for (const x of m.actors) if (x.user.kind === "service_account" && x.user.home === oi) x.live = false;
  }),
  step("setMembersCanCreateProjects", fc.record({ a: small, n: near, o: small, on: fc.boolean() }), hasOrgs, async (m, r, { a, n, o, on }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    say(`${actor.label} sets settings.membersCanCreateProjects of org${oi} to ${on}`);
    if (await patchOrg(m, r, actor, oi, { settings: { membersCanCreateProjects: on } }, adminVerdict(m, actor, oi, m.orgs[oi].membersCanCreate === on))) m.orgs[oi].membersCanCreate = on;
  }),
  step("mintOwnToken", fc.record({ a: small }), (m) => m.actors.length < MAX_ACTORS, async (m, r, { a }, say) => {
    const actor = pick(m.actors, a);
    say(`${actor.label} mints a token with POST /v1/tokens`);
    // A token minted by a token keeps its parent's age (issue 7, hole 3); DESIGN.md also allows
    // refusing the mint where the parent is too old anywhere, so that refusal is accepted too.
    const tooOld = m.orgs.some((_, o) => m.orgs[o].members.has(actor.user.id) && !m.orgs[o].deleted && fences(m, actor, o).some((f) => f.code === "token_too_old"));
    // A service account's tokens are minted only through its organization.
    const person = actor.user.kind === "person";
    const verdict = !actor.live ? [unauthenticated] : !person ? [forbidden] : tooOld ? [{ status: 401, code: "token_too_old" }] : null;
    const res = await expectCall(r, actor, { method: "POST", path: "/v1/tokens", body: { name: "child" } }, verdict, 201, actor.live && person);
    if (!res) return;
    assert.equal(typeof res.token, "string");
    // It keeps its parent's sign-in too (or its want of one: a break-glass token's child is one).
    addActor(m, actor.user, res.token, res.id, actor.ageDays, actor.signIn);
  }),
];
