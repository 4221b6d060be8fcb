import assert from "node:assert/strict";
import fc from "fast-check";
import { Actor, actorIn, isAdmin, Model, notFound, ORG_ROLES, orgGate, Refusal, SignIn, User, userIn } from "../model";
import { expectCall, Real } from "../real";
import { near, small, step } from "./command";

export const MAX_ACTORS = 12;

/** Every token is an actor of its own, at its own address, so an allowlist can fence it alone. */
export function addActor(m: Model, user: User, token: string, tokenId: string, ageDays = 0, signIn?: SignIn): Actor {
  const n = m.actors.length;
  // A signed-in token's label says where and how: P5@idp-a+mfa.
  const how = signIn ? `@${new URL(signIn.issuer).hostname.split(".")[0]}${signIn.mfa ? "+mfa" : ""}` : "";
  const actor: Actor = { label: `${user.kind === "person" ? "P" : "SA"}${n}${how}`, user, token, tokenId, ip: `10.0.0.${n + 1}`, ageDays, live: true, signIn };
  m.actors.push(actor);
  return actor;
}

async function mintFor(m: Model, r: Real, actor: Actor, oi: number, user: User, verdict: Refusal[] | null): Promise<void> {
  const path = `/v1/organizations/${m.orgs[oi].id}/service-accounts/${user.id}/tokens`;
  const body = await expectCall(r, actor, { method: "POST", path, body: { name: "ci" } }, verdict, 201);
  if (!body) return;
  assert.equal(typeof body.token, "string");
  addActor(m, user, body.token, body.id);
}

const room = (m: Readonly<Model>) => m.orgs.length > 0 && m.actors.length < MAX_ACTORS;

export const serviceAccountCommands = [
  step("createServiceAccount", fc.record({ a: small, n: near, o: small, role: fc.constantFrom(...ORG_ROLES) }), room, async (m, r, { a, n, o, role }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    const org = m.orgs[oi];
    say(`${actor.label} creates a ${role} service account in org${oi} and mints its token`);
    const verdict = orgGate(m, actor, oi) ?? (isAdmin(m, actor, oi) ? null : [{ status: 403, code: "forbidden" }]);
    const body = await expectCall(r, actor, { method: "POST", path: `/v1/organizations/${org.id}/service-accounts`, body: { name: `bot ${m.next++}`, role } }, verdict, 201);
    if (!body) return;
    assert.equal(body.kind, "service_account");
    assert.equal(body.role, role);
    const user: User = { id: body.userId, email: body.email, kind: "service_account", home: oi };
    m.users.push(user);
    org.members.set(user.id, role);
    await mintFor(m, r, actor, oi, user, null);
  }),
  step("mintServiceAccountToken", fc.record({ a: small, n: near, o: small, t: small }), room, async (m, r, { a, n, o, t }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    const user = userIn(m, t, n, new Set(m.users.filter((u) => u.kind === "service_account").map((u) => u.id)));
    say(`${actor.label} mints a token for ${user.email} through org${oi}`);
    // Only through the account's own organization (hole 1): elsewhere it is no service account of that org.
    const ours = user.kind === "service_account" && user.home === oi;
    const missing: Refusal = { ...notFound, hidden: user.id };
    let verdict = orgGate(m, actor, oi);
    if (!verdict && !ours) verdict = isAdmin(m, actor, oi) ? [missing] : [missing, { status: 403, code: "forbidden" }];
    else if (!verdict && !isAdmin(m, actor, oi)) verdict = [{ status: 403, code: "forbidden" }];
    await mintFor(m, r, actor, oi, user, verdict);
  }),
];
