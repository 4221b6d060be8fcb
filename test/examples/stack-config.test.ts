import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../support/backend";
import { engineBin, engineEnv } from "../support/engine";
import { workDir } from "../provider/support";

/**
 * The checked-in stack config files survive `pulumi stack init`, which rewrites them to add the
 * stack's `encryptionsalt`: every value keeps its type (a plain 4000 came back as "4000").
 */
const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;
// The root's Pulumi.dev.yaml is npm start's own, made locally and ignored by git.
const stackFiles = [ROOT, join(ROOT, "examples", "environments")].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => STACK_FILE.test(f) && !(dir === ROOT && f === "Pulumi.dev.yaml"))
    .map((f) => join(dir, f)),
);

describe("checked-in stack config after pulumi stack init", function () {
  this.timeout(5 * 60 * 1000);

  for (const file of stackFiles) {
    const stack = STACK_FILE.exec(basename(file))![1];
    it(`keeps every value of ${file.slice(ROOT.length + 1)} as written, adding only the encryption salt`, () => {
      const dir = workDir();
      try {
        copyFileSync(join(dirname(file), "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
        writeFileSync(join(dir, `Pulumi.${stack}.yaml`), readFileSync(file));
        const init = spawnSync(join(engineBin(), "pulumi"), ["stack", "init", stack, "--non-interactive"], { cwd: dir, env: { ...process.env, ...engineEnv(join(dir, "state")) }, encoding: "utf8" });
        assert.equal(init.status, 0, init.stderr);
        const { encryptionsalt, ...after } = parse(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8"));
        assert.match(encryptionsalt, /^v1:/);
        assert.deepEqual(after, parse(readFileSync(file, "utf8")));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
