import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromSteps, Preview } from "../../provider/review/preview";
import { TenancyClient } from "../../provider/client";
import { Backend, DIALECTS, Dialect, ROOT, startBackend } from "../support/backend";
import { accounts, post, TestStack, testStack, workDir } from "../provider/support";

/**
 * Saved previews of the real engine (test/review/fixtures, from `pulumi preview --json
 * --show-sames` of a tenancy.yaml stack, stack traces stripped; `__provider` kept, since only it tells
 * tenancy's resources from look-alikes) and golden
 * Markdown files. `UPDATE_GOLDEN=1` rewrites the golden files instead of comparing.
 */

export const FIXTURES = join(__dirname, "fixtures");
const GOLDEN = join(__dirname, "golden");

export function fixture(name: string): { steps: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8"));
}

/** The `__provider` text of tenancy's provider for a kind, as the installed package stores it. */
export function tenancyProvider(kind: "Organization" | "Project" | "Membership" | "ApiKey" | "ServiceAccount"): string {
  const file = { Organization: "organization", Project: "project", Membership: "membership", ApiKey: "api-key", ServiceAccount: "service-account" }[kind];
  return `exports.handler = __f0;\n\nvar __provider = require("pulumi-tenancy/dist/provider/kinds/${file}.js");\n`;
}

/** The fixture's unchanged resources plus the changed steps whose logical name matches. */
export function only(name: string, ...logicalNames: (string | RegExp)[]): Preview {
  const steps = fixture(name).steps.filter((s) => {
    const logical = String(s.urn).slice(String(s.urn).lastIndexOf("::") + 2);
    return s.op === "same" || logicalNames.some((n) => (typeof n === "string" ? logical === n : n.test(logical)));
  });
  return fromSteps(steps);
}

/** Ids and timestamps vary between runs: replaced by placeholders. */
export function normalize(markdown: string): string {
  return markdown
    // Also as the report escapes them (`org\_…`).
    .replace(/\b(org|proj|user|key|sa)(\\?)_[A-Za-z0-9]{6,}/g, "$1$2_ID")
    .replace(/\bsa-[0-9a-f]{8,}/g, "sa-ID")
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, "DATE")
    .replace(/tpk_…[A-Za-z0-9]{4}/g, "tpk_…XXXX");
}

export function assertGolden(name: string, markdown: string): void {
  const file = join(GOLDEN, `${name}.md`);
  const text = normalize(markdown);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
    if (!process.env.UPDATE_GOLDEN) assert.fail(`wrote the missing golden file ${file}: check it and run again`);
    return;
  }
  assert.equal(text, readFileSync(file, "utf8"), `${name}.md differs (UPDATE_GOLDEN=1 rewrites it)`);
}

/** A stack of the root program (a tenancy.yaml beside Pulumi.yaml) on the backend, deployed with `layout`. */
export async function deployedLayout(backend: Backend, projectName: string, layout: string): Promise<TestStack> {
  const dir = workDir();
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${projectName}\nruntime: nodejs\nmain: index.js\n`);
  writeFileSync(join(dir, "index.js"), `module.exports = require(${JSON.stringify(join(ROOT, "dist", "program", "index.js"))});\n`);
  writeFileSync(join(dir, "tenancy.yaml"), layout);
  const t = await testStack({ endpoint: backend.url, token: backend.token }, dir);
  await t.stack.up();
  return t;
}

/**
 * A suite once per backend dialect, as the backend suites loop over DIALECTS. Without
 * TEST_DATABASE_URL the PostgreSQL run is a pending test that says why: it never silently vanishes.
 */
export function forEachDialect(title: string, body: (this: Mocha.Suite, dialect: Dialect) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} (${dialect.name})`, function () {
      body.call(this, dialect);
    });
  }
  if (!DIALECTS.some((d) => d.name === "postgres")) {
    describe(`${title} (postgres)`, () => it("was NOT tested: TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL and sets it)"));
  }
}

/** A backend of the dialect and a stack of `layout` deployed on it before the suite; both gone after it. */
export function useDeployedLayout(dialect: Dialect, projectName: string, layout: string, people: readonly string[] = []): { backend: Backend; t: TestStack } {
  const d = {} as { backend: Backend; t: TestStack };
  before(async () => {
    d.backend = await startBackend({ dialect });
    await accounts(d.backend, people);
    d.t = await deployedLayout(d.backend, projectName, layout);
  });
  after(async () => {
    if (d.t) {
      await d.t.stack.destroy().catch(() => undefined);
      await d.t.dispose();
    }
    await d.backend?.dispose();
  });
  return d;
}

/** An admin service account of the organization, "ops console", and a client of its token: changes by hand, outside the stack, by another admin than the deployer. */
export async function opsConsole(backend: Backend, orgId: string): Promise<{ client: TenancyClient; userId: string; email: string }> {
  const ops = await post(backend, `/v1/organizations/${orgId}/service-accounts`, { name: "ops console", role: "admin" });
  const { token } = await post(backend, `/v1/organizations/${orgId}/service-accounts/${ops.userId}/tokens`, { name: "by hand" });
  return { client: new TenancyClient({ endpoint: backend.url, token }), userId: ops.userId, email: ops.email };
}
