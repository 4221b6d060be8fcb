import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keyOwnersOf } from "../../scripts/accounts";
import { account } from "../backend/helpers";
import { api } from "../provider/support";
import { Backend, ROOT, startBackend } from "../support/backend";
import { backendLayout, changes, ExampleProgram, programAt, scratch } from "./support";

/**
 * `npm start -- --stack NAME`: a wrong option is refused before anything starts, naming it and
 * the valid stacks; and the root program's other stack (Pulumi.acme-eu.yaml) deploys the layout
 * its config names.
 */
describe("npm start -- --stack", function () {
  this.timeout(10 * 60 * 1000);

  const start = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "dist", "scripts", "start.js"), ...args], { cwd: ROOT, encoding: "utf8" });

  it("refuses an unknown option, a missing or malformed stack name and a stack without its Pulumi.<stack>.yaml", () => {
    const cases: [string[], RegExp][] = [
      [["--stak", "prod"], /^tenancy: unknown option --stak: npm start takes no option but --stack NAME \(dev, [^)]*acme-eu[^)]*\)\n$/],
      [["--stack"], /^tenancy: --stack needs a stack name: npm start takes no option but --stack NAME \(dev, /],
      [["--stack", "a/b"], /^tenancy: --stack a\/b: a stack name has only letters, digits, '_', '\.' and '-'\n$/],
      [["--stack=nosuch"], /^tenancy: --stack nosuch: there is no Pulumi\.nosuch\.yaml beside Pulumi\.yaml; the root program's stacks are dev, /],
    ];
    for (const [args, message] of cases) {
      const run = start(...args);
      assert.equal(run.status, 1, args.join(" "));
      assert.equal(run.stdout, "");
      assert.match(run.stderr, message);
    }
  });

  describe("the acme-eu stack of the root program", () => {
    let backend: Backend;
    let program: ExampleProgram;
    before(async () => {
      backend = await startBackend();
      // As npm start does: the layout's key owners have accounts (everyone else would be invited).
      for (const email of keyOwnersOf(join(ROOT, "examples", "yaml", "acme-eu.yaml"))) await account(backend, email);
      // The root program as `npm start` runs it, from a copy of Pulumi.yaml's folder's files.
      const base = scratch();
      const dir = join(base, "root");
      mkdirSync(join(dir, "examples", "yaml"), { recursive: true });
      writeFileSync(join(dir, "Pulumi.yaml"), "name: tenancy\nruntime: nodejs\nmain: index.js\n");
      writeFileSync(join(dir, "index.js"), `module.exports = require(${JSON.stringify(join(ROOT, "dist", "program", "index.js"))});\n`);
      copyFileSync(join(ROOT, "Pulumi.acme-eu.yaml"), join(dir, "Pulumi.acme-eu.yaml"));
      copyFileSync(join(ROOT, "examples", "yaml", "acme-eu.yaml"), join(dir, "examples", "yaml", "acme-eu.yaml"));
      program = await programAt(base, dir, backend);
    });
    after(async () => {
      program?.dispose();
      await backend?.dispose();
    });

    it("deploys the layout its Pulumi.acme-eu.yaml names, then previews no changes, then destroys", async () => {
      const client = api(backend.url, backend.token);
      const stack = await program.stack("acme-eu");
      const up = await stack.up();
      assert.match(up.outputs.layout.value, /^assistant-eu-prod +production +elena@acme-eu\.test +elena@acme-eu\.test +1000 req\/min, 2250 USD\/month +backend \(tpk_…\w{4}\)$/m);
      const elena = "elena@acme-eu.test";
      assert.deepEqual(await backendLayout(client), {
        "Acme EU": {
          members: [`${elena} member`, "root@tenancy.test admin", "service account ci admin"],
          projects: {
            "assistant-eu-prod": {
              environment: "production",
              owner: elena,
              keyOwner: elena,
              escalationContact: "oncall@acme-eu.test",
              expectedMonthlySpendUsd: 1500,
              limits: { requestsPerMinute: 1000, monthlyBudgetUsd: 2250 },
              members: [`${elena} owner`],
              keys: [`backend ${elena} all 90d`],
            },
          },
        },
      });
      assert.deepEqual(changes((await stack.preview()).changeSummary), {});
      await stack.destroy();
      assert.deepEqual(await backendLayout(client), {});
    });
  });
});
