import assert from "node:assert/strict";
import { connect } from "node:net";
import { DIALECTS } from "../support/backend";
import { call, expectStatus, person, useBackend } from "./helpers";

/** Regressions for the input holes of issue 7: each test failed on the code before the pipeline. */
for (const dialect of DIALECTS) {
  describe(`input holes (${dialect.name})`, function () {
    const { backend, root } = useBackend({ dialect, env: { TENANCY_REQUEST_TIMEOUT_MS: "3000" } });
    let org: string;

    before(async () => {
      org = expectStatus(await root.post("/v1/organizations", { name: "Inputs", settings: { membersCanCreateProjects: true } }), 201).id;
    });

    const tooDeep = { type: "https://tenancy.dev/problems/invalid-request", title: "Invalid request", status: 400, code: "invalid_request" };
    const depthError = [{ path: "(body)", message: "must not nest objects and arrays deeper than 32 levels" }];

    it("answers 400 for deeply nested JSON before anything walks it, even from a viewer", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "deep", environment: "other" }), 201).id;
      const viewer = await person(backend, "viewer@inputs.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: viewer.email, role: "member" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${p}/members`, { email: viewer.email, role: "viewer" }), 201);
      const objects = `${'{"a":'.repeat(6000)}1${"}".repeat(6000)}`;
      const patched = await call(backend.url, "PATCH", `/v1/organizations/${org}/projects/${p}`, viewer.token, { raw: `{"labels":${objects}}` });
      assert.deepEqual(expectStatus(patched, 400), { ...tooDeep, detail: `(body): ${depthError[0].message}`, errors: depthError, requestId: patched.body.requestId });
      const arrays = `${"[".repeat(30000)}${"]".repeat(30000)}`;
      const posted = await call(backend.url, "POST", "/v1/organizations", backend.token, { raw: `{"name":${arrays}}`, headers: { "idempotency-key": "deep-1" } });
      assert.deepEqual(expectStatus(posted, 400).errors, depthError);
      // Brackets inside strings are text, not nesting.
      expectStatus(await root.post("/v1/organizations", { name: "[[[[".repeat(20).slice(0, 100) }), 201);
    });

    it("refuses names with default-ignorable, bidi-control, lone-surrogate or look-alike space characters", async () => {
      const bad = ["chat\u00AD-dev", "chat\u034F-dev", "chat\u061C-dev", "chat\u180E-dev", "chat\uD800-dev", "chat-\uDC00"];
      for (const name of bad) {
        const res = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name, environment: "other" }), 400);
        assert.deepEqual(res.errors, [{ path: "name", message: "must not contain control, invisible (default-ignorable), bidirectional-control or unpaired surrogate characters" }], JSON.stringify(name));
      }
      // Look-alike spaces and a leading combining mark: "chat dev" must not have invisible twins.
      const space = "must use the ordinary space (U+0020) only: no no-break, wide or line-separating space, nor a blank braille pattern";
      for (const [name, message] of [["chat\u00A0dev", space], ["chat\u3000dev", space], ["chat\u2028dev", space], ["chat\u2800", space], ["\u0301chat", "must not begin with a combining mark"]]) {
        const res = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name, environment: "other" }), 400);
        assert.deepEqual(res.errors, [{ path: "name", message }], JSON.stringify(name));
      }
      expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "chat dev-é-日本", environment: "other" }), 201);
    });

    it("applies the admin-only field rule to limits on create as on change", async () => {
      const mo = await person(backend, "mo@inputs.test");
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: mo.email, role: "member" }), 201);
      const res = expectStatus(await mo.post(`/v1/organizations/${org}/projects`, { name: "unlimited", environment: "other", limits: { requestsPerMinute: 10_000_000 } }), 403);
      assert.equal(res.detail, "your role does not allow you to set limits (an organization admin sets them)");
      const made = expectStatus(await mo.post(`/v1/organizations/${org}/projects`, { name: "limited", environment: "other" }), 201);
      assert.deepEqual(made.limits, {});
      expectStatus(await mo.patch(`/v1/organizations/${org}/projects/${made.id}`, { limits: { requestsPerMinute: 5 } }), 403);
    });

    it("refuses to rename a revoked key of an archived project (archived is read-only)", async () => {
      const p = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "to-archive", environment: "other" }), 201).id;
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${p}/members`, { email: backend.email, role: "owner" }), 201);
      const key = expectStatus(await root.post(`/v1/organizations/${org}/projects/${p}/api-keys`, { name: "k", owner: backend.email }), 201).id;
      expectStatus(await root.delete(`/v1/organizations/${org}/projects/${p}`), 204);
      const res = expectStatus(await root.patch(`/v1/organizations/${org}/projects/${p}/api-keys/${key}`, { name: "renamed" }), 400);
      assert.equal(res.detail, `project ${p} is archived; archived projects are read-only`);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${org}/projects/${p}/api-keys/${key}`), 200).name, "k");
    });

    it("closes a connection whose body is dribbled slower than the request timeout", async function () {
      this.timeout(30_000);
      const { hostname, port } = new URL(backend.url);
      const socket = connect(Number(port), hostname);
      let answer = "";
      socket.on("data", (d) => (answer += d.toString()));
      await new Promise<void>((ok) => socket.once("connect", () => ok()));
      socket.write(`POST /v1/organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${backend.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"`);
      const drip = setInterval(() => socket.writable && socket.write("a"), 200);
      await new Promise<void>((ok) => socket.once("close", () => ok()));
      clearInterval(drip);
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /\r\ncontent-type: application\/problem\+json\r\n/i);
      const problem = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      assert.deepEqual([problem.code, problem.status], ["request_timeout", 408]);
      assert.match(problem.detail, /did not arrive within \d+ ms \(TENANCY_REQUEST_TIMEOUT_MS\)/);
      assert.match(problem.requestId, /^req_/);
    });
  });
}
