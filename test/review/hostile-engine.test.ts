import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Backend, ROOT, startBackend } from "../support/backend";
import { engineBin } from "../support/engine";
import { TestStack, testStack, workDir } from "../provider/support";
import { forEachDialect } from "./support";
import { HAS_CMARK_GFM, problemsOf, renderGfm, tableRows } from "./gfm";

/**
 * The hostile corpus as a real-engine preview of a new stack: a program that tries to change
 * access without the review describing it. Each technique must either show in the rendered
 * review or fail it with a mandatory finding; the policy pack must count the same resources.
 */

const PROGRAM = (dist: string) => `
const pulumi = require("@pulumi/pulumi");
const tenancy = require(${JSON.stringify(join(dist, "provider", "index.js"))});
const { providerFor } = require(${JSON.stringify(join(dist, "provider", "stub.js"))});
const org = new tenancy.Organization("acme", { name: "Acme" });
// Names that try to hide the rest of the comment behind an HTML comment (check refuses a lone CR
// in tenancy's own fields; a resource's logical name is the program's alone).
new tenancy.Membership("ana", { organizationId: org.id, email: "ana@acme.test", role: "member" });
new tenancy.Project("p", { organizationId: org.id, name: "chat<!--", environment: "development" });
// tenancy's membership provider under the plain dynamic type.
new pulumi.dynamic.Resource(providerFor("membership"), "bare", { organizationId: org.id, email: "mallory@acme.test", role: "admin" });
// Components whose types imitate tenancy's: exact, and with a Cyrillic a.
class Fake extends pulumi.ComponentResource { constructor(type, name) { super(type, name, {}, {}); } }
new Fake("pulumi-nodejs:dynamic/tenancy:Membership", "fake\\r<!--");
new Fake("pulumi-nodejs:dynamic/ten\\u0430ncy:Membership", "lookalike");
new tenancy.Membership("hidden", { organizationId: org.id, email: "eve@acme.test", role: "admin" });
`;

forEachDialect("the hostile corpus on a real engine preview of a new stack", function (dialect) {
  this.timeout(10 * 60 * 1000);
  let backend: Backend;
  let t: TestStack;
  const cli = join(ROOT, "dist", "provider", "cli", "index.js");

  before(async () => {
    backend = await startBackend({ dialect });
    const dir = workDir();
    writeFileSync(join(dir, "Pulumi.yaml"), "name: tenancy-hostile\nruntime: nodejs\nmain: index.js\n");
    writeFileSync(join(dir, "index.js"), PROGRAM(join(ROOT, "dist")));
    t = await testStack({ endpoint: backend.url, token: backend.token }, dir);
  });

  after(async () => {
    await t?.dispose();
    await backend?.dispose();
  });

  it("fails the review with a mandatory finding for each resource that is not tenancy's but acts or looks like it", function () {
    const r = spawnSync(process.execPath, [cli, "review", "--stack", "test", "--cwd", t.dir], { encoding: "utf8", env: { ...process.env, ...t.env } });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    const unreviewed = r.stdout.split("\n").filter((l) => l.includes("`unreviewed-access`"));
    assert.deepEqual(unreviewed.map((l) => /\| resource (\w+)/.exec(l)?.[1]).sort(), ["bare", "fake", "lookalike"], r.stdout);
    assert.match(r.stdout, /because it runs tenancy's Membership provider under the type pulumi-nodejs:dynamic:Resource/);
    assert.match(r.stdout, /because its type claims tenancy's Membership, but its provider is not tenancy's/);
    // A new stack lists nothing unchanged, yet every guardrail ran: the footnote is not there.
    assert.doesNotMatch(r.stdout, /does not list unchanged resources/);
    if (!HAS_CMARK_GFM) return; // the rendering is checked where Debian's cmark-gfm is installed
    const html = renderGfm(r.stdout);
    assert.deepEqual(problemsOf(html), []);
    assert.deepEqual(tableRows(html, "Access").map((row) => row.slice(0, 4)), [
      ["ana@acme.test", "gains", "member", "organization Acme"],
      ["eve@acme.test", "gains", "admin", "organization Acme"],
    ]);
    assert.deepEqual(tableRows(html, "Projects").map((row) => row.slice(0, 2)), [["chat<!--", "created"]]);
    assert.ok(tableRows(html, "Other resources").some((row) => row[0] === "fake⟨U+000D⟩<!--"), html);
  });

  it("fails the review when the pull request moves tenancy:endpoint away from the base branch's", () => {
    const base = mkdtempSync(join(tmpdir(), "tenancy-base-"));
    writeFileSync(join(base, "Pulumi.yaml"), readFileSync(join(t.dir, "Pulumi.yaml")));
    writeFileSync(join(base, "Pulumi.test.yaml"), readFileSync(join(t.dir, "Pulumi.test.yaml"), "utf8").replace(backend.url, "https://tenancy.acme.test"));
    const r = spawnSync(process.execPath, [cli, "review", "--stack", "test", "--cwd", t.dir, "--base-cwd", base], { encoding: "utf8", env: { ...process.env, ...t.env } });
    assert.equal(r.status, 1, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.includes("`provider-config-changed`")) ?? "";
    // As escaped for GitHub: no autolink starts at "https:" (see escape.ts).
    assert.match(line, /tenancy:endpoint changes: "https\\:\/\/tenancy\.acme\.test" → "http\\:\/\/127\.0\.0\.1:\d+"; the next up sends the deploy token there/, r.stdout);
  });

  it("the policy pack reports the same resources as mandatory violations", () => {
    const r = spawnSync(join(engineBin(), "pulumi"), ["preview", "--non-interactive", "--stack", "test", "--policy-pack", join(ROOT, "provider", "policy-pack", "analyzer")], {
      cwd: t.dir,
      encoding: "utf8",
      env: { ...process.env, ...t.env },
    });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, out);
    const flagged = [...out.matchAll(/\[mandatory\]\s+unreviewed-access\s+\(([^)]*)\)/g)].map((m) => m[1].replace(/[^ -~\u0430]/g, "")).sort(); // the engine prints the CR raw or escaped
    assert.deepEqual(flagged, ["pulumi-nodejs:dynamic/tenancy:Membership: fake<!--", "pulumi-nodejs:dynamic/ten\u0430ncy:Membership: lookalike", "pulumi-nodejs:dynamic:Resource: bare"], out);
  });
});
