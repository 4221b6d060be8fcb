import assert from "node:assert/strict";
import fc from "fast-check";
import { actorIn, actorOf, invalid, isAdmin, label, managesProject, orgGate, orgRole, projectGate, Refusal } from "../model";
import { expectCall } from "../real";
import { near, small, step } from "./command";

/** Field-level rights: billing vs settings on the org, owner fields vs admin fields on a project, and the audit log. */

const forbidden: Refusal = { status: 403, code: "forbidden" };

export const editCommands = [
  step("setBillingEmail", fc.record({ a: small, n: near, o: small }), (m) => m.orgs.length > 0, async (m, r, { a, n, o }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    say(`${actor.label} changes the billing email of org${oi}`);
    const role = orgRole(m, actor, oi);
    const verdict = orgGate(m, actor, oi) ?? (role === "admin" || role === "billing" ? null : [forbidden]);
    const body = await expectCall(r, actor, { method: "PATCH", path: `/v1/organizations/${m.orgs[oi].id}`, body: { billing: { billingEmail: `ap-${m.next++}@model.test` } } }, verdict, 200);
    if (body) assert.ok("billing" in body, "billing hidden from the one who just changed it");
  }),
  step("editProject", fc.record({ a: small, n: near, p: small, field: fc.constantFrom("description", "name") }), (m) => m.projects.length > 0, async (m, r, { a, n, p, field }, say) => {
    const pi = p % m.projects.length;
    const actor = actorOf(m, a, n, pi);
    const project = m.projects[pi];
    say(`${actor.label} changes the ${field} of project${pi}`);
    // description: admin and project owner; name: admin only; archived projects refuse both (either order).
    const may = field === "name" ? isAdmin(m, actor, project.org) : managesProject(m, actor, pi);
    const refusals = [...(may ? [] : [forbidden]), ...(project.archived ? [invalid] : [])];
    const verdict = projectGate(m, actor, pi) ?? (refusals.length ? refusals : null);
    const value = field === "name" ? `${project.name}-r${m.next++}` : `d${m.next++}`;
    const path = `/v1/organizations/${m.orgs[project.org].id}/projects/${project.id}`;
    const body = await expectCall(r, actor, { method: "PATCH", path, body: { [field]: value } }, verdict, 200);
    if (!body) return;
    assert.equal(body[field], value);
    if (field === "name") project.name = value;
  }),
  step("readAuditLog", fc.record({ a: small, n: near, o: small }), (m) => m.orgs.length > 0, async (m, r, { a, n, o }, say) => {
    const oi = o % m.orgs.length;
    const actor = actorIn(m, a, n, oi);
    say(`${actor.label} reads the audit log of org${oi}`);
    const owned = m.projects.flatMap((p, i) => (p.org === oi && p.members.get(actor.user.id) === "owner" ? [p.id] : []));
    // Admins and viewers read the whole log.
    const admin = isAdmin(m, actor, oi) || orgRole(m, actor, oi) === "viewer";
    const verdict = orgGate(m, actor, oi) ?? (admin || owned.length ? null : [forbidden]);
    const body = await expectCall(r, actor, { method: "GET", path: `/v1/organizations/${m.orgs[oi].id}/audit-events?limit=100` }, verdict, 200);
    if (!body) return;
    for (const e of body.data) {
      assert.equal(e.organizationId, m.orgs[oi].id, `audit event of another org shown to ${actor.label}`);
      // A project owner reads the events of the projects they own, nothing of the org at large.
      if (!admin) assert.ok(owned.includes(e.projectId), `${actor.label} (owner of ${owned.map((id) => label(m, id))}) shown ${e.action} of ${e.projectId ? label(m, e.projectId) : "the org"}`);
    }
  }),
];
