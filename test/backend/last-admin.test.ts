import assert from "node:assert/strict";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { Api, call, client, expectStatus, mintToken, person, sqlQuery } from "./helpers";

for (const dialect of DIALECTS) {
  describe(`last admin (${dialect.name})`, () => {
    let backend: Backend;
    // A second instance on the same store: the rule must hold across processes, not just requests.
    let twin: Backend;
    let root: Api;

    before(async () => {
      backend = await startBackend({ dialect });
      twin = await startBackend({ dialect, env: { TENANCY_DATABASE_URL: backend.databaseUrl } });
      root = client(backend, backend.token);
    });
    after(async () => {
      await twin.dispose();
      await backend.dispose();
    });

    async function orgWithAdmins(n: number) {
      const orgId = expectStatus(await root.post("/v1/organizations", { name: "Admins" }), 201).id;
      const me = expectStatus(await root.get("/v1/me"), 200).user.id;
      const admins = [{ api: root, userId: me as string }];
      for (let i = 1; i < n; i++) {
        const email = `admin-${orgId}-${i}@admins.test`;
        const token = await mintToken(backend, email);
        const userId = expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email, role: "admin" }), 201).userId;
        admins.push({ api: client(i % 2 ? twin : backend, token), userId });
      }
      return { orgId, admins };
    }

    it("refuses to demote the last admin to billing or member, or to remove them, with 409 last_admin", async () => {
      const { orgId, admins } = await orgWithAdmins(1);
      const path = `/v1/organizations/${orgId}/members/${admins[0].userId}`;
      for (const role of ["billing", "member"]) {
        const problem = expectStatus(await root.patch(path, { role }), 409);
        assert.deepEqual(problem, {
          type: "https://tenancy.dev/problems/last-admin",
          title: "Last admin",
          status: 409,
          detail: `${backend.email} is the last admin of organization ${orgId} and cannot be demoted; make another member admin first`,
          code: "last_admin",
          requestId: problem.requestId,
        });
      }
      assert.equal(expectStatus(await root.delete(path), 409).code, "last_admin");
      assert.equal(expectStatus(await root.get(path), 200).role, "admin");
      // The organization's own deletion is the way out.
      expectStatus(await root.delete(`/v1/organizations/${orgId}`), 204);
    });

    it("lets an admin step down or be removed while another admin remains, a service account included", async () => {
      const { orgId, admins } = await orgWithAdmins(2);
      expectStatus(await admins[1].api.patch(`/v1/organizations/${orgId}/members/${admins[1].userId}`, { role: "member" }), 200);
      const sa = expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts`, { name: "deployer", role: "admin" }), 201);
      const saApi = client(backend, expectStatus(await root.post(`/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "t" }), 201).token);
      expectStatus(await saApi.delete(`/v1/organizations/${orgId}/members/${admins[0].userId}`), 204);
      assert.equal(expectStatus(await saApi.patch(`/v1/organizations/${orgId}/members/${sa.userId}`, { role: "member" }), 409).code, "last_admin");
      assert.equal(expectStatus(await saApi.delete(`/v1/organizations/${orgId}/members/${sa.userId}`), 409).code, "last_admin");
    });

    it("lets exactly one of two admins win when they demote each other at the same moment, on two instances", async () => {
      let rounds = 0;
      for (let round = 0; round < 8; round++) {
        const { orgId, admins } = await orgWithAdmins(2);
        const [a, b] = admins;
        const results = await Promise.all([
          a.api.patch(`/v1/organizations/${orgId}/members/${b.userId}`, { role: "member" }),
          b.api.patch(`/v1/organizations/${orgId}/members/${a.userId}`, { role: "member" }),
        ]);
        const statuses = results.map((r) => r.status).sort();
        // The loser is either refused as the last admin, or no longer an admin when its turn comes.
        assert.equal(statuses[0], 200, `round ${round}: ${results.map((r) => r.text).join(" | ")}`);
        assert.ok([403, 409].includes(statuses[1]), `round ${round}: ${results.map((r) => r.text).join(" | ")}`);
        const members = expectStatus(await root.get(`/v1/organizations/${orgId}/members`), 200);
        assert.equal(members.data.filter((m: any) => m.role === "admin").length, 1);
        rounds++;
      }
      console.log(`      concurrent demotion rounds: ${rounds}`);
    });

    it("keeps an admin when every admin removes every other one concurrently", async () => {
      const { orgId, admins } = await orgWithAdmins(4);
      const calls = admins.flatMap((x) => admins.filter((y) => y !== x).map((y) => x.api.delete(`/v1/organizations/${orgId}/members/${y.userId}`)));
      const results = await Promise.all(calls);
      assert.ok(results.every((r) => [204, 404, 409].includes(r.status)), results.map((r) => `${r.status}`).join(","));
      // The caller may have removed itself from view: count in the store.
      const [{ n }] = await sqlQuery(backend, "SELECT count(*) AS n FROM org_members WHERE organization_id = $1 AND role = 'admin'", [orgId]);
      assert.equal(Number(n), 1);
      assert.equal(results.filter((r) => r.status === 204).length, 3);
    });

    it("never leaves an organization without an admin when the last two are removed through both instances", async () => {
      const { orgId, admins } = await orgWithAdmins(2);
      const boss = await person(backend, `boss-${orgId}@admins.test`);
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: boss.email, role: "admin" }), 201);
      const bossId = expectStatus(await boss.get("/v1/me"), 200).user.id;
      const [r1, r2] = await Promise.all([
        call(backend.url, "DELETE", `/v1/organizations/${orgId}/members/${admins[0].userId}`, boss.token),
        call(twin.url, "DELETE", `/v1/organizations/${orgId}/members/${admins[1].userId}`, boss.token),
      ]);
      assert.deepEqual([r1.status, r2.status], [204, 204]);
      assert.equal(expectStatus(await boss.delete(`/v1/organizations/${orgId}/members/${bossId}`), 409).code, "last_admin");
    });
  });
}
