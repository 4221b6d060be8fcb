import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { testStack, useStacks } from "./support";

/**
 * Rotation with overlap (issue 20): the key a rotation replaces keeps working for
 * `rotationOverlapHours`, so a workload still on the old secret never fails inside the overlap,
 * and gets 401 once it has ended.
 */
describe("a key rotation with overlap", function () {
  this.timeout(10 * 60 * 1000);
  const s = useStacks();

  /** One call of the data plane with `secret`, as a workload makes it: its status and when it was answered. */
  async function authorize(secret: string): Promise<{ status: number; at: number }> {
    const res = await fetch(`${s.backend.url}/v1/authorize`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini" }),
    });
    await res.arrayBuffer();
    return { status: res.status, at: Date.now() };
  }

  it("keeps the old secret working through the rotation and until the overlap ends, then refuses it", async () => {
    const org = await s.root.organizations.create({ name: "Rotors" });
    const project = await s.root.projects.create(org.id, { name: "rotating", environment: "development" });
    await s.root.members.add({ organizationId: org.id, projectId: project.id }, { email: s.backend.email, role: "owner" });
    // 0.005 hours: 18 seconds, long enough for the rest of the up, short enough to wait out.
    const want = { quarter: "Q1", overlap: 0.005 };
    const t = await testStack({
      endpoint: s.backend.url,
      token: s.backend.token,
      program: async () => {
        const key = new tenancy.ApiKey("backend", { projectId: project.id, name: "backend", owner: s.backend.email, rotationTriggers: { quarter: want.quarter }, rotationOverlapHours: want.overlap });
        return { secret: key.secret, keyId: key.id };
      },
    });
    s.stacks.push(t);
    await t.stack.up();
    const old = await t.stack.outputs();
    assert.equal((await authorize(old.secret.value)).status, 200);

    // The workload keeps calling with the old secret, through the rotation and after it, until refused.
    const answers: { status: number; at: number }[] = [];
    const workload = (async () => {
      for (;;) {
        const answer = await authorize(old.secret.value);
        answers.push(answer);
        if (answer.status !== 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    want.quarter = "Q2";
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 1, replace: 1 });
    const rotated = await t.stack.outputs();
    assert.notEqual(rotated.keyId.value, old.keyId.value);
    assert.equal((await authorize(rotated.secret.value)).status, 200);
    const retired = await s.root.apiKeys.get(org.id, project.id, old.keyId.value);
    assert.ok(retired.expiresAt, "the replaced key has an expiry: the end of its overlap");
    const end = Date.parse(retired.expiresAt!);
    const hours = (end - Date.parse(retired.updatedAt)) / 3_600_000;
    assert.ok(Math.abs(hours - want.overlap) < 0.0001, `the overlap is ${hours} hours`);

    await workload;
    const refused = answers[answers.length - 1];
    assert.equal(refused.status, 401);
    assert.ok(refused.at >= end, "refused only once the overlap ended");
    assert.deepEqual(new Set(answers.slice(0, -1).map((a) => a.status)), new Set([200]));
    assert.ok(answers.some((a) => a.status === 200 && a.at > Date.parse(retired.updatedAt)), "the old secret worked after the rotation");
  });
});
