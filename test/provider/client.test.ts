import assert from "node:assert/strict";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { Http } from "../../provider/client";
import { organization } from "../../schema";

/**
 * The client's transport against a scripted HTTP server: the failures the real backend cannot be
 * made to produce on cue (a 503, a 429 with Retry-After, a dropped connection).
 */
type Step = (req: IncomingMessage, res: ServerResponse) => void;

const ORG = {
  id: "org_AAAAAAAAAAAA",
  name: "Acme",
  billing: { plan: "free", financeContacts: [] },
  settings: { allowedEmailDomains: [], membersCanCreateProjects: false },
  securityPolicy: { sso: { enforced: false }, session: { requireMfa: false }, ipAllowlist: [] },
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  version: 1,
};

describe("the tenancy client's transport", () => {
  let server: Server;
  let steps: Step[];
  let seen: { method: string; key: string | undefined; auth: string | undefined }[];
  let http: Http;

  beforeEach(async () => {
    steps = [];
    seen = [];
    server = createServer((req, res) => {
      seen.push({ method: req.method!, key: req.headers["idempotency-key"] as string | undefined, auth: req.headers.authorization });
      req.resume();
      req.on("end", () => (steps.shift() ?? fail)(req, res));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    http = new Http({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, token: "secret-token", backoffMs: 10 });
  });
  afterEach(() => server.close());

  it("retries a create after a 503 and a dropped connection with the same Idempotency-Key", async () => {
    steps = [problem(503, "unavailable", "warming up"), (req) => req.socket.destroy(), json(201, ORG)];
    assert.deepEqual(await http.send(organization, "POST", "/v1/organizations", { body: { name: "Acme" } }), ORG);
    assert.equal(seen.length, 3);
    assert.ok(seen[0].key && seen.every((s) => s.key === seen[0].key && s.auth === "Bearer secret-token"));
  });

  it("waits as long as Retry-After says on a 429", async () => {
    steps = [problem(429, "rate_limited", "slow down", { "retry-after": "1" }), json(200, ORG)];
    const started = Date.now();
    await http.send(organization, "GET", "/v1/organizations/org_AAAAAAAAAAAA");
    assert.ok(Date.now() - started >= 950, `retried after ${Date.now() - started} ms`);
  });

  it("rebuilds the backend's error from problem+json, with its code and detail, without retrying a 4xx", async () => {
    steps = [problem(409, "name_taken", 'a project named "chat" already exists in this organization')];
    await assert.rejects(http.send(organization, "POST", "/v1/organizations", { body: {} }), {
      name: "TenancyError",
      code: "name_taken",
      status: 409,
      message: 'a project named "chat" already exists in this organization',
    });
    assert.equal(seen.length, 1);
  });

  it("never takes a 404 that is not the API's own not_found for a missing object: it names the endpoint as the likely mistake", async () => {
    const bare: Step = (_req, res) => res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>");
    steps = [bare, problem(404, "unknown_route", "no route GET /wrong/v1/organizations/org_AAAAAAAAAAAA"), problem(404, "not_found", "no organization org_AAAAAAAAAAAA")];
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const evidence of ["without a tenancy problem+json body", "unknown_route"]) {
      await assert.rejects(http.send(organization, "GET", "/v1/organizations/org_AAAAAAAAAAAA"), {
        name: "TenancyError",
        code: "internal",
        message: `${endpoint} is not the base URL of a tenancy API (GET /v1/organizations/org_AAAAAAAAAAAA answered 404 ${evidence}); check tenancy:endpoint (or TENANCY_ENDPOINT): it is the API's root, such as http://127.0.0.1:7410, with no path`,
      });
    }
    await assert.rejects(http.send(organization, "GET", "/v1/organizations/org_AAAAAAAAAAAA"), { code: "not_found", message: "no organization org_AAAAAAAAAAAA" });
  });

  it("gives up on a backend that cannot be reached, naming it and never the token", async () => {
    const port = (server.address() as AddressInfo).port;
    server.close();
    const unreachable = new Http({ endpoint: `http://127.0.0.1:${port}`, token: "secret-token", attempts: 2, backoffMs: 1 });
    const err = await unreachable.send(organization, "GET", "/v1/organizations").catch((e: Error) => e);
    assert.match(String(err), new RegExp(`cannot reach the tenancy backend at http://127.0.0.1:${port} \\(.*ECONNREFUSED\\)`));
    assert.doesNotMatch(String(err), /secret-token/);
  });
});

function json(status: number, body: unknown): Step {
  return (_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function problem(status: number, code: string, detail: string, headers: Record<string, string> = {}): Step {
  return (_req, res) =>
    res
      .writeHead(status, { "content-type": "application/problem+json", ...headers })
      .end(JSON.stringify({ type: `https://tenancy.dev/problems/${code}`, title: code, status, detail, code, requestId: "req_1" }));
}

const fail: Step = (_req, res) => res.writeHead(500).end();
