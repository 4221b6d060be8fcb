import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROOT } from "../support/backend";

/**
 * Following examples/README.md leaves nothing untracked in the repository: every file its shell
 * steps write (`>FILE`, `tee FILE`) and what npm and `pulumi stack init` make in an example's
 * folder are ignored by git.
 */
describe("what the examples' README writes", () => {
  const readme = readFileSync(join(ROOT, "examples", "README.md"), "utf8");
  // The steps run in the repository root, except those after `cd examples/<name>`.
  const written = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(([, block]) => {
    let cwd = ROOT;
    return block.split("\n").flatMap((line) => {
      const cd = /^cd (\S+)/.exec(line);
      if (cd) cwd = resolve(cwd, cd[1]);
      return [...line.matchAll(/(?:>|\btee )\s*([^\s)|&;]+)/g)].filter(([, f]) => !f.startsWith("/dev/")).map(([, f]) => relative(ROOT, resolve(cwd, f)));
    });
  });
  const examples = readdirSync(join(ROOT, "examples")).filter((d) => existsSync(join(ROOT, "examples", d, "Pulumi.yaml")));
  const made = examples.flatMap((d) => ["node_modules/x", "package-lock.json", "Pulumi.dev.yaml"].map((f) => `examples/${d}/${f}`));

  it("finds the token file the README writes", () => assert.ok(written.length > 0, "no file written by the README's steps was found"));

  it("is ignored by git, all of it", function () {
    if (!existsSync(join(ROOT, ".git"))) this.skip();
    // Tracked files are never reported as ignored: they stay tracked (environments' Pulumi.dev.yaml).
    const tracked = new Set(spawnSync("git", ["ls-files", "examples"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\n"));
    const paths = [...written, ...made].filter((p) => !tracked.has(p));
    const r = spawnSync("git", ["check-ignore", "--stdin"], { cwd: ROOT, input: paths.join("\n"), encoding: "utf8" });
    const ignored = new Set(r.stdout.split("\n"));
    assert.deepEqual(paths.filter((p) => !ignored.has(p)), []);
  });
});
