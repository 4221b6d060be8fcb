import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { openStore } from "../../backend/store/db";
import { recordAudit } from "../../backend/services/audit.service";
import type { Ctx } from "../../backend/services/context";
import { Api, expectStatus, ISO, person, useBackend } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`audit log (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let owner: Api & { email: string };
    let orgId: string;
    let mine: string;
    let other: string;

    before(async () => {
      owner = await person(backend, "owner@audit.test");
      orgId = expectStatus(await root.post("/v1/organizations", { name: "Audited" }), 201).id;
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: owner.email, role: "member" }), 201);
      mine = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "mine", environment: "development" }), 201).id;
      other = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "other", environment: "development" }), 201).id;
      expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${mine}/members`, { email: owner.email, role: "owner" }), 201);
      expectStatus(await owner.patch(`/v1/organizations/${orgId}/projects/${mine}`, { description: "owned" }), 200);
      expectStatus(await root.patch(`/v1/organizations/${orgId}`, { name: "Audited Co", securityPolicy: { session: { requireMfa: true } } }), 200);
    });

    it("records every change with its actor, target, changes and request id", async () => {
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200);
      assert.deepEqual(
        log.data.map((e: any) => e.action),
        ["organization.created", "member.added", "member.added", "project.created", "project.created", "member.added", "project.updated", "policy.updated", "organization.updated"],
      );
      const updated = log.data.find((e: any) => e.action === "project.updated");
      assert.match(updated.at, ISO);
      assert.ok(log.data.every((e: any) => /^evt_[0-9a-f]{17}[0-9A-Za-z]{9}$/.test(e.id)), "every event id is an evt_ id");
      assert.deepEqual(updated, {
        id: updated.id,
        organizationId: orgId,
        projectId: mine,
        actor: { userId: updated.actor.userId, email: owner.email, ip: "127.0.0.1" },
        action: "project.updated",
        target: { type: "project", id: mine },
        changes: { description: { from: null, to: "owned" } },
        requestId: updated.requestId,
        at: updated.at,
      });
      const policy = log.data.find((e: any) => e.action === "policy.updated");
      assert.deepEqual(policy.changes.securityPolicy.to.session, { requireMfa: true });
      assert.deepEqual(log.data.find((e: any) => e.action === "organization.updated").changes, { name: { from: "Audited", to: "Audited Co" } });
    });

    it("filters by projectId, action, actor and time range", async () => {
      const byProject = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?projectId=${other}`), 200);
      assert.deepEqual(byProject.data.map((e: any) => e.action), ["project.created"]);
      const byAction = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?action=member.added`), 200);
      assert.equal(byAction.data.length, 3);
      const byActor = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?actor=${owner.email}`), 200);
      assert.deepEqual(byActor.data.map((e: any) => e.action), ["project.updated"]);
      const future = new Date(Date.now() + 3600_000).toISOString();
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?from=${future}`), 200).data, []);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?to=${future}&limit=100`), 200).data.length, 9);
    });

    it("records an organization's creation with every field it was created with, not its timestamps, version or enforcement list", async () => {
      const created = expectStatus(await root.post("/v1/organizations", { name: "Created", externalId: "urn:created" }), 201);
      const log = expectStatus(await root.get(`/v1/organizations/${created.id}/audit-events?limit=100`), 200).data;
      const event = log.find((e: any) => e.action === "organization.created");
      const { id, name, externalId, billing, settings, securityPolicy } = created;
      assert.deepEqual([event.target, event.changes], [
        { type: "organization", id: created.id },
        Object.fromEntries(Object.entries({ id, name, externalId, billing, settings, securityPolicy }).map(([k, v]) => [k, { from: null, to: v }])),
      ]);
    });

    it("logs a PATCH of an organization as organization.updated and policy.updated, each for what it changed, and nothing for a PATCH that changes nothing", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Patched" }), 201).id;
      const path = `/v1/organizations/${org}`;
      expectStatus(await root.patch(path, { name: "Patched Co" }), 200);
      expectStatus(await root.patch(path, { securityPolicy: { session: { idleTimeoutMinutes: 600 } } }), 200);
      expectStatus(await root.patch(path, { name: "Patched Co", securityPolicy: { session: { idleTimeoutMinutes: 600 } } }), 200);
      expectStatus(await root.patch(path, { settings: { apiKeyMaxLifetimeDays: 30 }, securityPolicy: { ipAllowlist: ["127.0.0.1/32"] } }), 200);
      const log = expectStatus(await root.get(`${path}/audit-events?limit=100`), 200).data;
      const target = { type: "organization", id: org };
      const policyOf = (e: any) => e.changes.securityPolicy && { from: e.changes.securityPolicy.from.session.idleTimeoutMinutes ?? null, to: e.changes.securityPolicy.to.session.idleTimeoutMinutes, ipAllowlist: e.changes.securityPolicy.to.ipAllowlist };
      assert.deepEqual(
        log.filter((e: any) => e.action !== "organization.created" && e.action !== "member.added").map((e: any) => [e.action, e.target, e.changes.securityPolicy ? policyOf(e) : e.changes]),
        [
          ["organization.updated", target, { name: { from: "Patched", to: "Patched Co" } }],
          ["policy.updated", target, { from: null, to: 600, ipAllowlist: [] }],
          ["policy.updated", target, { from: 600, to: 600, ipAllowlist: ["127.0.0.1/32"] }],
          ["organization.updated", target, { settings: { from: log.at(-1).changes.settings.from, to: { ...log.at(-1).changes.settings.from, apiKeyMaxLifetimeDays: 30 } } }],
        ],
      );
    });

    it("never keeps a field named secret, token or hash in an event's changes, whatever its caller passes", async () => {
      const store = openStore(backend.databaseUrl);
      try {
        const ctx = { caller: { user: { id: "usr_auditor", email: "auditor@audit.test" } }, ip: "127.0.0.1", requestId: "req-never-logged", now: new Date().toISOString() } as unknown as Ctx;
        const leak = { from: null, to: "tpk_leaked" };
        await recordAudit(ctx, store.db, { organizationId: orgId, action: "api_key.created", target: { type: "api_key", id: "key_never_logged" }, changes: { secret: leak, token: leak, hash: leak, name: { from: null, to: "k" } } });
      } finally {
        await store.close();
      }
      const log = expectStatus(await root.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200);
      const event = log.data.find((e: any) => e.requestId === "req-never-logged");
      assert.deepEqual(event.changes, { name: { from: null, to: "k" } });
      assert.ok(!JSON.stringify(log).includes("tpk_leaked"));
    });

    it("shows a project owner only the events of their projects, and billing nothing", async () => {
      const seen = expectStatus(await owner.get(`/v1/organizations/${orgId}/audit-events?limit=100`), 200);
      assert.ok(seen.data.length > 0);
      assert.ok(seen.data.every((e: any) => e.projectId === mine));
      const billing = await person(backend, "billing@audit.test");
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: billing.email, role: "billing" }), 201);
      assert.equal(expectStatus(await billing.get(`/v1/organizations/${orgId}/audit-events`), 403).code, "forbidden");
    });
  });
}
