import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { storeGateway } from "../support/gateway";
import { testStack, useStacks } from "./support";

/**
 * Rotation with overlap (issue 20): the key a rotation replaces keeps working for
 * `rotationOverlapHours`, so a workload still on the old secret never fails inside the overlap,
 * and is refused once it has ended (the gateway's authorize: 403 key_invalid; a token: 401).
 */
interface Answer {
  status: number;
  at: number;
}

/** A workload: calls until refused, pausing a little between calls; resolves with every answer. */
async function keepCalling(once: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (;;) {
    const answer = await once();
    answers.push(answer);
    if (answer.status !== 200) return answers;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every answer was a success until the last, a `status` refusal given once the overlap had ended at `end`. */
function assertRefusedOnlyAfter(answers: Answer[], end: number, status: number): void {
  const refused = answers[answers.length - 1];
  assert.equal(refused.status, status);
  assert.ok(refused.at >= end, "refused only once the overlap ended");
  assert.deepEqual(new Set(answers.slice(0, -1).map((a) => a.status)), new Set([200]));
}

describe("rotations with overlap", function () {
  this.timeout(10 * 60 * 1000);
  const s = useStacks();

  /** One call made with `secret` (a POST when `body` is given): its status and when it was answered. */
  async function call(url: string, secret: string, body?: unknown): Promise<Answer> {
    const res = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.arrayBuffer();
    return { status: res.status, at: Date.now() };
  }
  /** The gateway asks about the workload's key, with the store's gateway credential. */
  const authorize = async (secret: string) => call(`${s.backend.url}/v1/authorize`, await storeGateway(s.backend.databaseUrl), { apiKey: secret, model: "gpt-4o-mini" });

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

    const answers = keepCalling(() => authorize(old.secret.value));

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

    assertRefusedOnlyAfter(await answers, end, 403);
  });

  it("keeps a service account's old token working through a token rotation until the overlap ends, then refuses it", async () => {
    const org = await s.root.organizations.create({ name: "Bots" });
    const want = { quarter: "Q1", overlap: 0.005 };
    const t = await testStack({
      endpoint: s.backend.url,
      token: s.backend.token,
      program: async () => {
        const ci = new tenancy.ServiceAccount("ci", { organizationId: org.id, name: "ci", role: "member", rotationTriggers: { quarter: want.quarter }, rotationOverlapHours: want.overlap });
        return { token: ci.token, tokenId: ci.tokenId, userId: ci.userId };
      },
    });
    s.stacks.push(t);
    await t.stack.up();
    const old = await t.stack.outputs();
    const me = (token: string) => call(`${s.backend.url}/v1/me`, token);
    assert.equal((await me(old.token.value)).status, 200);
    const answers = keepCalling(() => me(old.token.value));

    want.quarter = "Q2";
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 1, update: 1 });
    const rotated = await t.stack.outputs();
    assert.notEqual(rotated.tokenId.value, old.tokenId.value);
    assert.equal((await me(rotated.token.value)).status, 200);
    const retired = (await s.root.serviceAccounts.tokens(org.id, old.userId.value)).data.find((x) => x.id === old.tokenId.value)!;
    assert.ok(retired.expiresAt, "the replaced token has an expiry: the end of its overlap");
    assertRefusedOnlyAfter(await answers, Date.parse(retired.expiresAt!), 401);
  });
});
