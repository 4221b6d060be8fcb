import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { isPathParam, prefixOf } from "../../backend/http/path-params";
import { call, expectStatus, useBackend } from "./helpers";

/**
 * A route declares the query and body it takes (schema/*.operations.ts); the pipeline refuses what
 * a route does not take, naming it, before anything runs: a query parameter on a route without a
 * query, a body on a route without one.
 */
for (const dialect of DIALECTS) {
  describe(`input a route does not take (${dialect.name})`, () => {
    const { root } = useBackend({ dialect });
    let org: string;

    before(async () => {
      org = expectStatus(await root.post("/v1/organizations", { name: "Route Input" }), 201).id;
    });

    it("refuses a query parameter on a route that takes none, naming each", async () => {
      const res = await root.get(`/v1/organizations/${org}?color=blue&size=2`);
      const body = expectStatus(res, 400);
      assert.equal(body.code, "invalid_request");
      assert.deepEqual(body.errors, [
        { path: "color", message: "unknown query parameter; this route takes none" },
        { path: "size", message: "unknown query parameter; this route takes none" },
      ]);
      assert.equal(body.detail, "color: unknown query parameter; this route takes none; size: unknown query parameter; this route takes none");
    });

    it("refuses a body on a route that takes none, and does nothing", async () => {
      const res = await root.delete(`/v1/organizations/${org}`, { body: { reason: "cleanup" } });
      const body = expectStatus(res, 400);
      assert.deepEqual([body.code, body.errors], ["invalid_request", [{ path: "(body)", message: "this route takes no body" }]]);
      assert.equal(body.detail, "(body): this route takes no body");
      expectStatus(await root.get(`/v1/organizations/${org}`), 200);
    });
  });
}

/**
 * An id in the path that cannot be one (another kind's prefix, a NUL byte) is the object's 404
 * before any query sees it: PostgreSQL refuses a NUL in text outright, so letting one through
 * would answer 500 there. The detail shows the NUL escaped, as it shows every control character.
 */
for (const dialect of DIALECTS) {
  describe(`ids in the path that cannot be ids (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let org: string;

    before(async () => {
      org = expectStatus(await root.post("/v1/organizations", { name: "Path Ids" }), 201).id;
    });

    it("answers 404 naming the organization for an id with another kind's prefix or a NUL byte", async () => {
      const wrongKind = await root.get("/v1/organizations/proj_0000000000000000");
      assert.equal(expectStatus(wrongKind, 404).detail, 'organization "proj_0000000000000000" not found');
      const nul = await root.get("/v1/organizations/org_0000%000000");
      assert.equal(expectStatus(nul, 404).detail, 'organization "org_0000\\u00000000" not found');
    });

    it("answers 404 naming the project for a project id with a NUL byte, in an organization that exists", async () => {
      const res = await root.get(`/v1/organizations/${org}/projects/proj_0000%000000`);
      assert.equal(expectStatus(res, 404).detail, 'project "proj_0000\\u00000000" not found');
    });

    it("answers no operation of /openapi.json with a 5xx when every id in its path holds a NUL byte", async () => {
      const doc = expectStatus(await root.get("/openapi.json"), 200);
      const failures: string[] = [];
      for (const [template, operations] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
        if (!template.includes("{")) continue;
        for (const method of Object.keys(operations)) {
          const path = template.replace(/\{(\w+)\}/g, (_, name: string) => `${isPathParam(name) ? prefixOf(name) : name}_0000%000000`);
          const res = await call(backend.url, method.toUpperCase(), path, root.token, { body: method === "get" || method === "delete" ? undefined : {} });
          if (res.status >= 500) failures.push(`${method} ${template}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  });
}
