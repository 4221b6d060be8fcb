import { Stack } from "@pulumi/pulumi/automation";
import assert from "node:assert/strict";
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
  after(async () => {
    program?.dispose();
    await backend?.dispose();
  });

  it("reviews each stack's first preview with no guardrail finding and deploys org, then dev, staging and prod from their own config, reading org through a StackReference", async () => {
    assertCleanReview(await review(program, "org"));
    const org = await stacks.org.up();
    assert.deepEqual(Object.keys(org.outputs).sort(), ["escalationContact", "keyOwner", "organizationId", "owner", "team"]);
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

  it("destroys prod, staging, dev, then org, leaving nothing", async () => {
    for (const name of [...ENVIRONMENT_STACKS].reverse()) await stacks[name].destroy();
    await stacks.org.destroy();
    assert.deepEqual(await backendLayout(api(backend.url, backend.token)), {});
  });
});
