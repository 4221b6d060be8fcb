import { Stack } from "@pulumi/pulumi/automation";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { api } from "../provider/support";
import { Backend, startBackend } from "../support/backend";
import * as expected from "./expected";
import { assertCleanReview, backendLayout, changes, ExampleProgram, exampleProgram, review } from "./support";

/**
 * examples/environments: the `org` stack, then `dev`, `staging` and `prod` reading it through a
 * StackReference, each with its own Pulumi.<stack>.yaml; no changes on a second preview of any;
 * destroyed in reverse (the organization cannot be deleted while its projects are active).
 */
describe("examples/environments", function () {
  this.timeout(20 * 60 * 1000);
  const ENVIRONMENT_STACKS = ["dev", "staging", "prod"];
  let backend: Backend;
  let program: ExampleProgram;
  const stacks: Record<string, Stack> = {};

  before(async () => {
    backend = await startBackend();
    program = await exampleProgram("environments", backend);
    for (const name of ["org", ...ENVIRONMENT_STACKS]) stacks[name] = await program.stack(name);
  });
  /** Who a management token belongs to (its user's kind), or the status it is refused with. */
  const whoIs = async (token: string): Promise<string | number> => {
    const res = await fetch(`${backend.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    return res.ok ? ((await res.json()) as { user: { kind: string } }).user.kind : res.status;
  };
  after(async () => {
    program?.dispose();
    await backend?.dispose();
  });

  it("reviews each stack's first preview with no guardrail finding and deploys org, then dev, staging and prod from their own config, reading org through a StackReference", async () => {
    assertCleanReview(await review(program, "org"));
    const org = await stacks.org.up();
    assert.deepEqual(Object.keys(org.outputs).sort(), ["ciDeployer", "ciToken", "escalationContact", "keyOwner", "organizationId", "owner", "team"]);
    assert.equal(org.outputs.ciToken.secret, true, "the service account's token is a Pulumi secret");
    assert.equal(await whoIs(org.outputs.ciToken.value), "service_account");
    for (const name of ENVIRONMENT_STACKS) {
      assertCleanReview(await review(program, name));
      const up = await stacks[name].up();
      assert.equal(up.outputs.projectId.value.startsWith("proj_"), true, `${name}: ${JSON.stringify(up.outputs.projectId)}`);
      assert.equal(up.outputs.key.secret, true, `${name}'s key output is a Pulumi secret`);
    }
    assert.deepEqual(await backendLayout(api(backend.url, backend.token)), expected.environments);
  });

  it("shows no changes on a second preview of every stack", async () => {
    for (const name of ["org", ...ENVIRONMENT_STACKS]) {
      assert.deepEqual(changes((await stacks[name].preview()).changeSummary), {}, name);
    }
  });

  it("rotates the CI service account's token on a new rotation value: the new token works, the old one until the overlap ends", async () => {
    const before = (await stacks.org.outputs()).ciToken.value as string;
    await stacks.org.setConfig("environments:ciTokenRotation", { value: "2027-Q1" });
    const rotatedAt = Date.now();
    const up = await stacks.org.up();
    assert.deepEqual(changes(up.summary.resourceChanges ?? {}), { update: 1 });
    const after = up.outputs.ciToken.value as string;
    assert.notEqual(after, before);
    assert.equal(await whoIs(after), "service_account");
    // CI jobs still holding the old token keep working through rotationOverlapHours (default 24).
    assert.equal(await whoIs(before), "service_account");
    const res = await fetch(`${backend.url}/v1/tokens`, { headers: { authorization: `Bearer ${before}` } });
    const listed = ((await res.json()) as { data: { redactedValue: string; expiresAt?: string }[] }).data;
    const old = listed.find((t) => t.redactedValue.endsWith(before.slice(-4)));
    assert.ok(old?.expiresAt, `the old token has an expiry: ${JSON.stringify(listed)}`);
    const left = Date.parse(old.expiresAt) - rotatedAt;
    assert.ok(left > 23 * 3600_000 && left <= 24 * 3600_000 + 60_000, `the old token ends 24 h after the rotation, not ${left} ms`);
    // The engine's own record (the checkpoint file) holds the token encrypted only.
    const state = readFileSync(join(program.dir, "..", "state", ".pulumi", "stacks", "environments", "org.json"), "utf8");
    for (const t of [after, before]) {
      const i = state.indexOf(t);
      assert.equal(i, -1, `a token in plain text in the state: …${state.slice(Math.max(0, i - 300), i).replace(t, "<token>")}<token>…`);
    }
  });

  it("destroys prod, staging, dev, then org, leaving nothing", async () => {
    for (const name of [...ENVIRONMENT_STACKS].reverse()) await stacks[name].destroy();
    await stacks.org.destroy();
    assert.deepEqual(await backendLayout(api(backend.url, backend.token)), {});
  });
});
