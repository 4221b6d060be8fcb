import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { api } from "../provider/support";
import { Backend, ROOT, startBackend } from "../support/backend";
import * as expected from "./expected";
import { backendLayout, changes, assertCleanReview, ExampleProgram, exampleProgram, review } from "./support";

/**
 * Every single-stack example of examples/ as a user runs it, on the real engine against a real
 * backend: `tenancy review` of its first preview has no guardrail finding, it deploys what its
 * README promises, a second preview shows no changes, and destroy leaves nothing behind. The environments example (four stacks) is in environments.test.ts.
 */

describe("the examples type-check against the package's declarations", function () {
  this.timeout(5 * 60 * 1000);
  it("tsc finds no error in any example", () => {
    execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(__dirname, "tsconfig.json")], { cwd: ROOT, stdio: "pipe" });
  });
});

const EXAMPLES: [string, object][] = [
  ["small-team", expected.smallTeam],
  ["product-teams", expected.productTeams],
  ["agency", expected.agency],
  ["security-sensitive", expected.securitySensitive],
];

for (const [example, layout] of EXAMPLES) {
  describe(`examples/${example}`, function () {
    this.timeout(10 * 60 * 1000);
    let backend: Backend;
    let program: ExampleProgram;

    before(async () => {
      backend = await startBackend();
      program = await exampleProgram(example, backend);
    });
    after(async () => {
      program?.dispose();
      await backend?.dispose();
    });

    it("is reviewed with no guardrail finding, deploys what its README describes, then previews no changes, then destroys to nothing", async () => {
      const client = api(backend.url, backend.token);
      const stack = await program.stack("dev");
      assertCleanReview(await review(program, "dev"));
      const up = await stack.up();
      assert.equal(up.summary.result, "succeeded");
      assert.deepEqual(await backendLayout(client), layout);

      const again = await stack.preview();
      assert.deepEqual(changes(again.changeSummary), {});

      await stack.destroy();
      assert.deepEqual(await backendLayout(client), {});
    });
  });
}
