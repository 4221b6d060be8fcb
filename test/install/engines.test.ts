import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { ROOT } from "../support/backend";

/**
 * `npm ci` prints no EBADENGINE on any Node the package claims: the oldest release of each line
 * that `engines.node` allows satisfies the `engines.node` of every locked dependency (npm warns on
 * exactly that comparison, with the running Node's version).
 */
describe("engines", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const claimed: string = manifest.engines.node;
  const oldest = new semver.Range(claimed).set.map((comparators) => semver.minVersion(new semver.Range(comparators.map((c) => c.value).join(" ")))!.version);

  it("claims what the lockfile says the package claims", () => assert.equal(lock.packages[""].engines?.node, claimed));

  for (const node of oldest) {
    it(`satisfies every locked dependency on Node ${node}, the oldest of a line ${claimed} claims`, () => {
      const refused = Object.entries<{ version: string; engines?: { node?: string } }>(lock.packages)
        .filter(([path, p]) => path !== "" && p.engines?.node !== undefined && !semver.satisfies(node, p.engines.node))
        .map(([path, p]) => `${path.replace(/^.*node_modules\//, "")}@${p.version} needs node ${p.engines!.node}`);
      assert.deepEqual(refused, []);
    });
  }
});
