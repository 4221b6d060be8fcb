import assert from "node:assert/strict";
import fc from "fast-check";
import { activeKeysOf, actorIn, fresh, invalid, isAdmin, Model, notFound, ORG_ROLES, orgGate, pick, Refusal, User, userIn } from "../model";
import { expectCall } from "../real";
import { near, small, step } from "./command";
import { believeSent, invitedWithoutAccount, pendingInvitation } from "./invitations";

const hasOrgs = (m: Readonly<Model>) => m.orgs.length > 0;

/**
 * A service account exists in exactly one organization: adding it anywhere else (issue 7, hole 1)
 * is refused. DESIGN.md names no code for it; any refusal that changes nothing is accepted.
 */
const foreignServiceAccount: Refusal[] = [invalid, notFound, { status: 403, code: "forbidden" }];

/** Removing or demoting the last admin, and removing an owner of active keys, are 409s. */
function conflicts(m: Model, o: number, user: User, demote: boolean): Refusal[] {
  const org = m.orgs[o];
  const out: Refusal[] = [];
  const admins = [...org.members.values()].filter((x) => x === "admin").length;
  if (org.members.get(user.id) === "admin" && admins === 1) out.push({ status: 409, code: "last_admin" });
  if (!demote && activeKeysOf(m, user.id, (p) => p.org === o).length > 0) out.push({ status: 409, code: "owns_active_keys" });
  return out;
}

/** Out of the org: out of its projects too; a service account out of its org is deleted with its tokens. */
export function dropMember(m: Model, o: number, user: User): void {
  m.orgs[o].members.delete(user.id);
  for (const p of m.projects) if (p.org === o) p.members.delete(user.id);
  if (user.kind === "service_account") {
    user.home = -1;
    for (const a of m.actors) if (a.user.id === user.id) a.live = false;
  }
}

export const memberCommands = [
  step(
    "addMember",
    fc.record({ a: small, n: near, o: small, t: small, role: fc.constantFrom(...ORG_ROLES), newcomer: fc.nat({ max: 3 }).map((x) => x === 0) }),
    hasOrgs,
    async (m, r, { a, n, o, t, role, newcomer }, say) => {
      // A newcomer has no account (every user of the model has one): half the time an address an
      // organization invited before (pending or not), added to that organization again, else a fresh one.
      const invitees = newcomer && n % 2 === 0 ? m.orgs.flatMap((_, x) => invitedWithoutAccount(m, x)) : [];
      const again = invitees.length > 0 ? pick(invitees, t) : undefined;
      const oi = again ? again.org : o % m.orgs.length;
      const actor = actorIn(m, a, n, oi);
      const org = m.orgs[oi];
      const email = newcomer ? (again?.email ?? `${fresh(m, "new")}@model.test`) : undefined;
      // One time in four, another org's service account: the takeover of issue 7 starts there.
      const foreign = new Set(m.users.filter((u) => u.kind === "service_account" && u.home !== oi).map((u) => u.id));
      const target: User | undefined = email ? undefined : n === 1 ? userIn(m, t, n, foreign) : pick(m.users, t);
      say(`${actor.label} adds ${email ? `the newcomer ${email}` : target!.email} to org${oi} as ${role}`);
      let verdict = orgGate(m, actor, oi) ?? (isAdmin(m, actor, oi) ? null : [{ status: 403, code: "forbidden" }]);
      if (!verdict && target?.kind === "service_account" && target.home !== oi) verdict = foreignServiceAccount;
      else if (!verdict && target && org.members.has(target.id)) verdict = [{ status: 409, code: "member_exists" }];
      // The model's organizations never provision at sign-in (sso.autoProvision): a newcomer is invited, once.
      else if (!verdict && email && pendingInvitation(m, oi, email)) verdict = [{ status: 409, code: "invitation_pending" }];
      const body = await expectCall(r, actor, { method: "POST", path: `/v1/organizations/${org.id}/members`, body: { email: email ?? target!.email, role } }, verdict, email ? 202 : 201);
      if (!body) return;
      assert.equal(body.organizationId, org.id);
      assert.equal(body.role, role);
      if (email) {
        assert.deepEqual([body.email, body.status, body.projects], [email, "pending", []]);
        believeSent(m, oi, body, []);
        return;
      }
      assert.equal(body.userId, target!.id, `${target!.email} added as another user`);
      org.members.set(body.userId, role);
    },
  ),
  step("removeMember", fc.record({ a: small, n: near, o: small, t: small }), hasOrgs, async (m, r, { a, n, o, t }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    const org = m.orgs[oi];
    const target = userIn(m, t, n, org.members);
    say(`${actor.label} removes ${target.email} from org${oi}`);
    const missing: Refusal = { ...notFound, hidden: target.id };
    let verdict = orgGate(m, actor, oi);
    if (!verdict && !org.members.has(target.id)) verdict = isAdmin(m, actor, oi) ? [missing] : [missing, { status: 403, code: "forbidden" }];
    else if (!verdict && !isAdmin(m, actor, oi)) verdict = [{ status: 403, code: "forbidden" }];
    else if (!verdict && conflicts(m, oi, target, false).length) verdict = conflicts(m, oi, target, false);
    await expectCall(r, actor, { method: "DELETE", path: `/v1/organizations/${org.id}/members/${target.id}` }, verdict, 204);
    if (!verdict) dropMember(m, oi, target);
  }),
  step("changeRole", fc.record({ a: small, n: near, o: small, t: small, role: fc.constantFrom(...ORG_ROLES) }), hasOrgs, async (m, r, { a, n, o, t, role }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    const org = m.orgs[oi];
    const target = userIn(m, t, n, org.members);
    say(`${actor.label} makes ${target.email} ${role} of org${oi}`);
    const missing: Refusal = { ...notFound, hidden: target.id };
    let verdict = orgGate(m, actor, oi);
    if (!verdict && !org.members.has(target.id)) verdict = isAdmin(m, actor, oi) ? [missing] : [missing, { status: 403, code: "forbidden" }];
    else if (!verdict && !isAdmin(m, actor, oi)) verdict = [{ status: 403, code: "forbidden" }];
    else if (!verdict && role !== "admin" && conflicts(m, oi, target, true).length) verdict = conflicts(m, oi, target, true);
    const body = await expectCall(r, actor, { method: "PATCH", path: `/v1/organizations/${org.id}/members/${target.id}`, body: { role } }, verdict, 200);
    if (!body) return;
    assert.equal(body.role, role);
    org.members.set(target.id, role);
  }),
];
