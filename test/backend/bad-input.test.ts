import assert from "node:assert/strict";
import { problem } from "../../schema/errors";
import { DIALECTS } from "../support/backend";
import { call, expectStatus, Res, useBackend } from "./helpers";

interface Case {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Acceptable statuses (never a 5xx). */
  status: number[];
  /** The field the 400 must name in `errors[].path`. */
  field?: string;
}

const WEIRD_NAMES = [
  "'; DROP TABLE projects; --",
  "Robert'); DROP TABLE users;--",
  "1 OR 1=1",
  "\" OR \"\"=\"",
  "__proto__",
  "constructor",
  "prototype",
  "%s%s%n",
  "${7*7}",
  "<script>alert(1)</script>",
  "😀 emoji",
  "日本語",
];
// Default-ignorable (soft hyphen, variation selector, combining grapheme joiner), bidi controls
// (U+061C too) and an unpaired surrogate, besides the controls and zero-width characters.
const INVISIBLE = ["a\u200bb", "a\u200db", "\u202eevil", "a\u2066b", "a\ufeffb", "a\u0000b", "tab\there", "line\nbreak", "a\u0085b", "a\u00adb", "a\ufe0fb", "a\u034fb", "a\u061cb", "\ud800 lone surrogate"];

for (const dialect of DIALECTS) {
  describe(`bad input (${dialect.name})`, () => {
    const { backend, root } = useBackend({ dialect });
    let org: string;
    let project: string;
    let tried = 0;

    before(async () => {
      org = expectStatus(await root.post("/v1/organizations", { name: "Bad Input" }), 201).id;
      project = expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name: "target", environment: "development" }), 201).id;
      expectStatus(await root.post(`/v1/organizations/${org}/projects/${project}/members`, { email: backend.email, role: "owner" }), 201);
    });
    after(() => {
      console.log(`      bad inputs tried: ${tried}`);
    });

    async function check(c: Case): Promise<Res> {
      const res = await call(backend.url, c.method, c.path, backend.token, { body: c.body, raw: c.raw, headers: c.headers });
      tried++;
      const where = `${c.what}: ${c.method} ${c.path} → ${res.status} ${res.text.slice(0, 300)}`;
      assert.ok(res.status < 500, where);
      assert.ok(c.status.includes(res.status), where);
      if (res.status >= 400) {
        assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8", where);
        assert.ok(problem.safeParse(res.body).success, where);
        assert.equal(res.body.status, res.status, where);
        if (c.field) assert.ok(res.body.errors?.some((e: any) => e.path === c.field), `${where} (expected errors[] to name ${c.field})`);
      }
      return res;
    }

    const projects = () => `/v1/organizations/${org}/projects`;
    const keys = () => `/v1/organizations/${org}/projects/${project}/api-keys`;

    it("rejects wrong types, naming each field", async () => {
      const wrong: Array<[string, unknown, string]> = [
        [projects(), { name: 123, environment: "other" }, "name"],
        [projects(), { name: true, environment: "other" }, "name"],
        [projects(), { name: ["x"], environment: "other" }, "name"],
        [projects(), { name: { x: 1 }, environment: "other" }, "name"],
        [projects(), { name: null, environment: "other" }, "name"],
        [projects(), { name: "x", environment: 5 }, "environment"],
        [projects(), { name: "x", environment: "prod" }, "environment"],
        [projects(), { name: "x", environment: "other", expectedMonthlySpendUsd: "lots" }, "expectedMonthlySpendUsd"],
        [projects(), { name: "x", environment: "other", expectedMonthlySpendUsd: -1 }, "expectedMonthlySpendUsd"],
        [projects(), { name: "x", environment: "other", labels: [] }, "labels"],
        [projects(), { name: "x", environment: "other", labels: { "Bad Key": "v" } }, "labels.Bad Key"],
        [projects(), { name: "x", environment: "other", limits: { requestsPerMinute: -1 } }, "limits.requestsPerMinute"],
        [projects(), { name: "x", environment: "other", limits: { requestsPerMinute: 1.5 } }, "limits.requestsPerMinute"],
        [projects(), { name: "x", environment: "other", workload: "mining" }, "workload"],
        [projects(), { name: "x", environment: "other", owner: "not-an-email" }, "owner"],
        [keys(), { name: "k", owner: backend.email, expiresInDays: 0 }, "expiresInDays"],
        [keys(), { name: "k", owner: backend.email, expiresInDays: 3651 }, "expiresInDays"],
        [keys(), { name: "k", owner: backend.email, expiresInDays: "30" }, "expiresInDays"],
        [keys(), { name: "k", owner: backend.email, expiresInDays: 1.5 }, "expiresInDays"],
        [keys(), { name: "k", owner: backend.email, permissions: "root" }, "permissions"],
        ["/v1/organizations", { name: "x", billing: { plan: "platinum" } }, "billing.plan"],
        ["/v1/organizations", { name: "x", billing: { financeContacts: "ap@x.test" } }, "billing.financeContacts"],
        ["/v1/organizations", { name: "x", settings: { membersCanCreateProjects: "yes" } }, "settings.membersCanCreateProjects"],
        ["/v1/organizations", { name: "x", settings: { allowedEmailDomains: ["not a domain"] } }, "settings.allowedEmailDomains[0]"],
        ["/v1/organizations", { name: "x", securityPolicy: { ipAllowlist: ["10.0.0.0/33"] } }, "securityPolicy.ipAllowlist[0]"],
        ["/v1/organizations", { name: "x", securityPolicy: { ipAllowlist: ["everyone"] } }, "securityPolicy.ipAllowlist[0]"],
        ["/v1/organizations", { name: "x", securityPolicy: { sso: { enforced: true } } }, "securityPolicy.sso.protocol"],
        ["/v1/organizations", { name: "x", billing: { renewalDate: "tomorrow" } }, "billing.renewalDate"],
        [`/v1/organizations/${org}/members`, { email: "a@b", role: "member" }, "email"],
        [`/v1/organizations/${org}/members`, { email: `${"a".repeat(250)}@x.test`, role: "member" }, "email"],
        [`/v1/organizations/${org}/members`, { email: "x@x.test", role: "owner" }, "role"],
        [`/v1/organizations/${org}/members`, { email: "x@x.test", role: "superadmin" }, "role"],
        [`/v1/organizations/${org}/service-accounts`, { name: "bot", role: 1 }, "role"],
        ["/v1/tokens", { name: "t", expiresInDays: -5 }, "expiresInDays"],
      ];
      for (const [path, body, field] of wrong) await check({ what: "wrong type", method: "POST", path, body, status: [400], field });
    });

    it("rejects missing and unknown fields, and bodies that are not objects", async () => {
      const posts = ["/v1/organizations", projects(), keys(), `/v1/organizations/${org}/members`, `/v1/organizations/${org}/service-accounts`, "/v1/tokens", `/v1/organizations/${org}/projects/${project}/members`];
      for (const path of posts) {
        await check({ what: "empty object", method: "POST", path, body: {}, status: [400] });
        await check({ what: "unknown field", method: "POST", path, body: { surprise: 1 }, status: [400], field: "surprise" });
        for (const body of [[], "text", 42, null, true]) await check({ what: "not an object", method: "POST", path, raw: JSON.stringify(body), status: [400] });
        await check({ what: "no body", method: "POST", path, status: [400] });
        await check({ what: "empty JSON body", method: "POST", path, raw: "", headers: { "content-type": "application/json" }, status: [400] });
      }
      await check({ what: "missing name", method: "POST", path: projects(), body: { environment: "other" }, status: [400], field: "name" });
      await check({ what: "missing environment", method: "POST", path: projects(), body: { name: "x" }, status: [400], field: "environment" });
      await check({ what: "nested unknown", method: "POST", path: "/v1/organizations", body: { name: "x", settings: { bogus: true } }, status: [400], field: "settings.bogus" });
      await check({ what: "nested unknown in patch", method: "PATCH", path: `${projects()}/${project}`, body: { limits: { rpm: 5 } }, status: [400], field: "limits.rpm" });
      await check({ what: "read-only field in patch", method: "PATCH", path: `${projects()}/${project}`, body: { createdAt: "2020-01-01T00:00:00Z" }, status: [400], field: "createdAt" });
      for (const body of [[], "x", 1, null]) {
        await check({ what: "patch not an object", method: "PATCH", path: `${projects()}/${project}`, raw: JSON.stringify(body), status: [400], field: "(body)" });
      }
      await check({ what: "clearing a required field", method: "PATCH", path: `${projects()}/${project}`, body: { name: null }, status: [400], field: "name" });
    });

    it("rejects oversized strings, lists and bodies", async () => {
      await check({ what: "long name", method: "POST", path: projects(), body: { name: "x".repeat(101), environment: "other" }, status: [400], field: "name" });
      await check({ what: "long description", method: "POST", path: projects(), body: { name: "ok", environment: "other", description: "d".repeat(1001) }, status: [400], field: "description" });
      await check({ what: "long externalId", method: "POST", path: projects(), body: { name: "ok2", environment: "other", externalId: "e".repeat(513) }, status: [400], field: "externalId" });
      const labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "v"]));
      await check({ what: "too many labels", method: "POST", path: projects(), body: { name: "ok3", environment: "other", labels }, status: [400], field: "labels" });
      await check({ what: "too many domains", method: "POST", path: "/v1/organizations", body: { name: "x", settings: { allowedEmailDomains: Array.from({ length: 101 }, (_, i) => `d${i}.test`) } }, status: [400] });
      await check({ what: "huge body", method: "POST", path: projects(), body: { name: "x", environment: "other", description: "d".repeat(200_000) }, status: [413] });
      await check({ what: "huge patch", method: "PATCH", path: `${projects()}/${project}`, raw: JSON.stringify({ description: "x".repeat(1_000_000) }), status: [413] });
      await check({ what: "deep nesting", method: "POST", path: "/v1/organizations", raw: `${"[".repeat(5000)}${"]".repeat(5000)}`, status: [400] });
      await check({ what: "long id in path", method: "GET", path: `${projects()}/proj_${"a".repeat(1500)}`, status: [404] });
    });

    it("refuses invisible characters and NFC/NFD twins, accepts SQL-looking and __proto__ names verbatim", async () => {
      for (const name of INVISIBLE) await check({ what: `invisible ${JSON.stringify(name)}`, method: "POST", path: projects(), body: { name, environment: "other" }, status: [400], field: "name" });
      expectStatus(await root.post(projects(), { name: "Ame\u0301lie", environment: "other" }), 201);
      tried++;
      const twin = await check({ what: "NFD twin", method: "POST", path: projects(), body: { name: "Am\u00e9lie", environment: "other" }, status: [409] });
      assert.equal(twin.body.code, "name_taken");
      const padded = await check({ what: "padded twin", method: "POST", path: projects(), body: { name: "  Am\u00e9lie  ", environment: "other" }, status: [409] });
      assert.equal(padded.body.code, "name_taken");
      for (const name of WEIRD_NAMES) {
        const res = await check({ what: `weird name ${JSON.stringify(name)}`, method: "POST", path: projects(), body: { name, environment: "other" }, status: [201] });
        const read = expectStatus(await root.get(`${projects()}/${res.body.id}`), 200);
        assert.equal(read.name, name.normalize("NFC").trim());
      }
      expectStatus(await root.get(`/v1/organizations/${org}/projects?name=${encodeURIComponent("'; DROP TABLE projects; --")}`), 200);
      for (const raw of ['{"name":"x","__proto__":{"admin":true}}', '{"name":"x","constructor":{"prototype":{"admin":true}}}']) {
        const poisoned = await check({ what: `prototype key in ${raw}`, method: "POST", path: "/v1/organizations", raw, status: [400] });
        assert.equal(poisoned.body.detail, '(body): must not contain a "__proto__" or "constructor.prototype" key');
      }
      await check({ what: "__proto__ label", method: "POST", path: projects(), body: { name: "protolabel", environment: "other", labels: JSON.parse('{"__proto__":"x"}') }, status: [400] });
      await check({ what: "__proto__ in patch", method: "PATCH", path: `${projects()}/${project}`, raw: '{"__proto__":{"status":"archived"}}', status: [400] });
      assert.equal(expectStatus(await root.get(`${projects()}/${project}`), 200).status, "active");
    });

    it("rejects bad pagination and filter values, naming the parameter", async () => {
      for (const limit of ["0", "-1", "101", "abc", "1.5", "1e3", "", "99999999999999999999"]) {
        await check({ what: `limit=${limit}`, method: "GET", path: `${projects()}?limit=${limit}`, status: [400], field: "limit" });
      }
      for (const after of ["garbage", Buffer.from('{"a":1}').toString("base64url"), Buffer.from("[1,2]").toString("base64url"), "x".repeat(201), "%00"]) {
        await check({ what: `after=${after.slice(0, 20)}`, method: "GET", path: `${projects()}?after=${after}`, status: [400], field: "after" });
      }
      await check({ what: "limit twice", method: "GET", path: `${projects()}?limit=1&limit=2`, status: [400], field: "limit" });
      await check({ what: "unknown filter", method: "GET", path: `${projects()}?sort=name`, status: [400], field: "sort" });
      await check({ what: "bad status filter", method: "GET", path: `${projects()}?status=deleted`, status: [400], field: "status" });
      await check({ what: "bad audit action", method: "GET", path: `/v1/organizations/${org}/audit-events?action=drop`, status: [400], field: "action" });
      await check({ what: "bad audit time", method: "GET", path: `/v1/organizations/${org}/audit-events?from=yesterday`, status: [400], field: "from" });
      await check({ what: "bad audit project", method: "GET", path: `/v1/organizations/${org}/audit-events?projectId=1;drop`, status: [400], field: "projectId" });
      await check({ what: "bad member email filter", method: "GET", path: `/v1/organizations/${org}/members?email=nope`, status: [400], field: "email" });
    });

    it("rejects bad headers and malformed ids without a 5xx", async () => {
      await check({ what: "garbage If-Match", method: "PATCH", path: `${projects()}/${project}`, body: { description: "x" }, headers: { "if-match": "garbage" }, status: [412] });
      await check({ what: "long Idempotency-Key", method: "POST", path: "/v1/tokens", body: { name: "x" }, headers: { "idempotency-key": "k".repeat(300) }, status: [400], field: "Idempotency-Key" });
      await check({ what: "xml content type", method: "POST", path: "/v1/tokens", raw: "<name/>", headers: { "content-type": "application/xml" }, status: [400] });
      await check({ what: "truncated JSON", method: "POST", path: "/v1/tokens", raw: '{"name":', status: [400], field: "(body)" });
      await check({ what: "JSON with trailing garbage", method: "POST", path: "/v1/tokens", raw: '{"name":"x"} trailing', status: [400] });
      for (const id of ["proj_%00", "proj_%E2%80%AE", "..%2F..%2Fetc", "proj_' OR 1=1", "%F0%9F%98%80", "null", "undefined", "__proto__"]) {
        await check({ what: `id ${id}`, method: "GET", path: `${projects()}/${id}`, status: [404] });
        await check({ what: `org id ${id}`, method: "GET", path: `/v1/organizations/${id}`, status: [404] });
      }
      for (const authorization of ["Bearer a b c", "Basic cm9vdDpyb290", "Bearer", "bearer tmt_" + "x".repeat(49), "Bearer " + "x".repeat(5000)]) {
        const res = await call(backend.url, "GET", "/v1/me", undefined, { headers: { authorization } });
        tried++;
        assert.equal(res.status, 401, authorization.slice(0, 30));
        assert.equal(res.body.code, "unauthenticated");
      }
    });
  });
}
