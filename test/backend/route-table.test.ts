import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { buildApp } from "../../backend/app";
import { PERMISSIONS } from "../../backend/auth/permissions";
import { loadConfig } from "../../backend/config";
import type { RouteDef } from "../../backend/http/route";
import { API_ROUTES } from "../../backend/routes";
import type { Store } from "../../backend/store/db";
import type { UsageRuntime } from "../../backend/usage/usage.runtime";
import { ROOT } from "../support/backend";

const exec = promisify(execFile);

/** A route cannot reach the router without a scope and a permission: neither in types nor at run time. */
describe("the route table", () => {
  const config = loadConfig({ TENANCY_DATABASE_URL: "sqlite:/nonexistent-never-opened/x.db" });
  // Never touched: the checks run before anything is registered.
  const store = {} as Store;
  const usage = {} as UsageRuntime;
  const valid = API_ROUTES.find((r) => r.method === "GET" && r.path === "/v1/organizations/{orgId}")!;

  const cases: Array<[string, Partial<RouteDef>, RegExp]> = [
    ["no scope", { scope: undefined }, /^route GET \/v1\/organizations\/\{orgId\} must declare a scope \(one of none, user, organization, project, gateway\)$/],
    ["no permission", { permission: undefined }, /^route GET \/v1\/organizations\/\{orgId\} must declare a permission of scope organization \(one of readOrganization, /],
    ["a permission of another scope", { permission: "manageKeys" } as unknown as Partial<RouteDef>, /must declare a permission of scope organization/],
    ["an organization scope without {orgId}", { path: "/v1/things" }, /^route GET \/v1\/things has scope organization but no \{orgId\} in its path$/],
    ["no operationId", { operationId: undefined }, /must declare a camelCase operationId$/],
    ["an authenticated scope outside the request limit", { rateLimit: false }, /^route GET \/v1\/organizations\/\{orgId\} may not leave the request limit: only unauthenticated routes may \(rateLimit: false\)$/],
    [
      "a path parameter of no known id kind",
      { path: "/v1/organizations/{orgId}/webhooks/{webhookId}" },
      /^route GET \/v1\/organizations\/\{orgId\}\/webhooks\/\{webhookId\} names \{webhookId\} in its path: a path parameter is an id of a known kind \(orgId, projectId, userId, keyId, tokenId, invitationId\); add it to PATH_PARAMS in schema\/path-params\.ts$/,
    ],
    ["If-Match on a read", { ifMatch: ({ access }: { access: { org: { version: number } } }) => access.org } as unknown as Partial<RouteDef>, /^route GET \/v1\/organizations\/\{orgId\} declares ifMatch, which only a PATCH or DELETE/],
    ["activeProject outside project scope", { method: "POST", activeProject: true }, /^route POST \/v1\/organizations\/\{orgId\} declares activeProject, which only a write of project scope can honour$/],
    ["a sliced body outside gateway scope", { sliced: "events" }, /^route GET \/v1\/organizations\/\{orgId\} declares sliced, which only a gateway-scope route validates$/],
    ["beforeBody outside gateway scope", { beforeBody: async () => undefined }, /^route GET \/v1\/organizations\/\{orgId\} declares beforeBody, which only a gateway-scope route runs$/],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses to build an app with a route that has ${what}`, () => {
      const broken = { ...valid, ...change } as RouteDef;
      assert.throws(() => buildApp({ config, store, usage, routes: [broken] }), (e: Error) => message.test(e.message));
    });
  }

  it("declares a scope and a permission on every route it ships", () => {
    const app = buildApp({ config, store, usage });
    assert.ok(app.hasRoute({ method: "GET", url: "/v1/organizations/:orgId" }));
  });

  it("uses every permission it declares: a permission no route names is a rule nobody enforces", async () => {
    // The request's log line goes nowhere; the app is not closed (its store and usage are never opened).
    const app = buildApp({ config, store, usage, logStream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as { paths: Record<string, Record<string, Record<string, string>>> };
    const used = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => `${op["x-tenancy-scope"]}.${op["x-tenancy-permission"]}`)));
    const declared = Object.entries(PERMISSIONS).flatMap(([scope, permissions]) => Object.keys(permissions).map((p) => `${scope}.${p}`));
    assert.deepEqual(declared.filter((p) => !used.has(p)), []);
  });

  it("does not compile a route declared without a permission", async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(ROOT, ".route-typecheck-"));
    try {
      const file = join(dir, "bad-route.ts");
      writeFileSync(
        file,
        `import { route } from "../backend/http/route";\n` +
          `import { ORGANIZATION_OPERATIONS } from "../schema/organizations.operations";\n` +
          `export const bad = route(ORGANIZATION_OPERATIONS.getOrganization, { scope: "organization", handler: ({ access, db }) => { throw new Error(); } });\n` +
          `export const legacy = route({ method: "GET", path: "/v1/organizations/{orgId}", operationId: "bad", summary: "x", status: 200, scope: "organization", handler: async () => ({}) });\n`,
      );
      const run = await exec(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--strict", "--skipLibCheck", "--esModuleInterop", "--target", "ES2022", "--module", "commonjs", file], { cwd: ROOT }).then(
        () => ({ stdout: "" }),
        (e: { stdout: string }) => e,
      );
      // Both forms: an operation of schema/ with its server half, and the one-object form.
      assert.match(run.stdout, /bad-route\.ts\(3,\d+\): error TS\d+:[^\n]*\n\s+Property 'permission' is missing/);
      assert.match(run.stdout, /bad-route\.ts\(4,\d+\): error TS\d+:[^\n]*\n\s+Property 'permission' is missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
