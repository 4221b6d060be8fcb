import assert from "node:assert/strict";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { call, client, expectStatus, sqlQuery } from "./helpers";

const ROUNDS = 8;
const WORKERS = 4;
/** A create's answers: 201, 200 when an Idempotency-Key replays it, 202 for an invitation (replayed or not). */
const DONE = [200, 201, 202];

interface Attempt {
  n: number;
  path: string;
  body: Record<string, unknown>;
  key: string;
  acknowledged?: { status: number; id: string };
}

for (const dialect of DIALECTS) {
  describe(`crash safety (${dialect.name})`, () => {
    let backend: Backend;
    let org: string;

    before(async () => {
      backend = await startBackend({ dialect });
      org = expectStatus(await client(backend, backend.token).post("/v1/organizations", { name: "Crashy" }), 201).id;
    });
    after(() => backend.dispose());

    // Projects and members alternate, so both kinds of create (and their audit rows) are cut mid-way.
    // The members are people without an account: each add is an invitation (202), one per key.
    function attemptFor(n: number): Attempt {
      return n % 2 === 0
        ? { n, key: `crash-${n}`, path: `/v1/organizations/${org}/projects`, body: { name: `p${n}`, environment: "other", externalId: `urn:p${n}` } }
        : { n, key: `crash-${n}`, path: `/v1/organizations/${org}/members`, body: { email: `m${n}@crash.test`, role: "member" } };
    }

    async function send(a: Attempt) {
      const res = await call(backend.url, "POST", a.path, backend.token, { body: a.body, headers: { "idempotency-key": a.key } });
      return { status: res.status, id: res.body?.id ?? res.body?.userId, text: res.text };
    }

    it("keeps every acknowledged object and yields exactly one object per key across kill -9 rounds", async () => {
      const attempts: Attempt[] = [];
      let next = 0;
      let kills = 0;
      for (let round = 0; round < ROUNDS; round++) {
        let stop = false;
        const worker = async () => {
          while (!stop) {
            const a = attemptFor(next++);
            attempts.push(a);
            try {
              const r = await send(a);
              if (DONE.includes(r.status)) a.acknowledged = { status: r.status, id: r.id };
              else if (!stop) throw new Error(`unexpected ${r.status}: ${r.text}`);
            } catch (error) {
              if (!stop) throw error;
            }
          }
        };
        const workers = Array.from({ length: WORKERS }, worker);
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
        stop = true;
        await backend.kill();
        kills++;
        await Promise.allSettled(workers);
        await backend.restart();
      }

      // Replay everything unacknowledged with its original key and body: each must end in one object.
      const unacknowledged = attempts.filter((a) => !a.acknowledged);
      const committedUnseen = { count: 0 };
      for (const a of unacknowledged) {
        const r = await send(a);
        // A replayed project is 200 where a fresh one is 201; an invitation is 202 either way.
        if (r.status === 200) committedUnseen.count++;
        assert.ok(DONE.includes(r.status), `replay ${a.key}: ${r.status} ${r.text}`);
        a.acknowledged = r;
      }
      // Replaying acknowledged ones answers the same object, never a second one.
      for (const a of attempts.filter((x) => x.n % 5 === 0)) {
        const r = await send(a);
        assert.equal(r.status, a.n % 2 === 0 ? 200 : 202, `replay ${a.key}`);
        assert.equal(r.id, a.acknowledged!.id, `replay ${a.key}`);
      }

      const projects = await sqlQuery(backend, "SELECT id, name FROM projects WHERE organization_id = $1", [org]);
      const members = await sqlQuery(backend, "SELECT email FROM invitations WHERE organization_id = $1 AND email LIKE $2", [org, "%@crash.test"]);
      const projectNames = projects.map((p: any) => p.name).sort();
      const memberEmails = members.map((m: any) => m.email).sort();
      const wantProjects = attempts.filter((a) => a.n % 2 === 0).map((a) => `p${a.n}`).sort();
      const wantMembers = attempts.filter((a) => a.n % 2 === 1).map((a) => `m${a.n}@crash.test`).sort();
      assert.deepEqual(projectNames, wantProjects);
      assert.deepEqual(memberEmails, wantMembers);
      for (const a of attempts.filter((x) => x.n % 2 === 0)) {
        assert.ok(projects.some((p: any) => p.id === a.acknowledged!.id), `acknowledged project ${a.key} lost`);
      }
      const audits = await sqlQuery(backend, "SELECT count(*) AS n FROM audit_events WHERE organization_id = $1 AND action IN ('project.created', 'member.added', 'invitation.sent')", [org]);
      assert.equal(Number(audits[0].n), attempts.length + 1, "one audit event per object (plus the creator's membership)");

      if (dialect.name === "sqlite") {
        await backend.stop();
        const [check] = await sqlQuery(backend, "PRAGMA integrity_check");
        assert.equal(check.integrity_check, "ok");
        const [fk] = [await sqlQuery(backend, "PRAGMA foreign_key_check")];
        assert.deepEqual(fk, []);
        await backend.restart();
      }
      console.log(`      kill -9 rounds: ${kills}, creates: ${attempts.length}, unacknowledged then replayed: ${unacknowledged.length} (${committedUnseen.count} projects had committed before the kill)`);
    });
  });
}
