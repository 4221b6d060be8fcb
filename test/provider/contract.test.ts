import assert from "node:assert/strict";
import { z } from "zod";
import { route } from "../../backend/http/route";
import { API_ROUTES, authRoutes, invitationRoutes, systemRoutes } from "../../backend/routes";
import { Metrics } from "../../backend/http/metrics";
import { TenancyClient } from "../../provider/client";
import type { ArgsOf } from "../../provider/client/call";
import { operations } from "../../schema/operation";
import { OPERATIONS } from "../../schema/operations";
import { fillPath } from "../../schema/path-params";
import { PROJECT_OPERATIONS } from "../../schema/projects.operations";
import { Backend, startBackend } from "../support/backend";

/**
 * One contract for server and client (schema/*.operations.ts). The compile-time half is below:
 * each `@ts-expect-error` line is a drift that must not compile, and CI's type-check
 * (tsconfig.check.json) fails when one of them does. The run-time half: the route table serves
 * exactly the operations, and the client reaches a real backend through them.
 */

// Never called: type-checked only.
export async function clientDrifts(client: TenancyClient, orgId: string, projectId: string) {
  await client.call("createProject", { params: { orgId }, body: { name: "chat", environment: "development" } });
  // @ts-expect-error a body without a required field (environment)
  await client.call("createProject", { params: { orgId }, body: { name: "chat" } });
  // @ts-expect-error a body field of the wrong type
  await client.call("createProject", { params: { orgId }, body: { name: "chat", environment: "prod" } });
  // @ts-expect-error a body field the operation does not take
  await client.call("createProject", { params: { orgId }, body: { name: "chat", environment: "development", owners: [] } });
  // @ts-expect-error a path parameter missing ({projectId})
  await client.call("getProject", { params: { orgId } });
  // @ts-expect-error a path parameter the path does not name
  await client.call("getOrganization", { params: { orgId, projectId } });
  // @ts-expect-error an operation that does not exist
  await client.call("getProjects", { params: { orgId } });
  const p = await client.call("getProject", { params: { orgId, projectId } });
  // @ts-expect-error a response field that does not exist
  void p.nmae;
  // @ts-expect-error a body where the operation takes none
  await client.call("archiveProject", { params: { orgId, projectId }, body: {} });
  // @ts-expect-error the facade's bodies are the operation's too
  await client.projects.create(orgId, { name: "chat" });
}

// An operation whose body or path changed: what was a valid call no longer compiles.
const createProject = PROJECT_OPERATIONS.createProject;
const bodyChanged = { ...createProject, body: z.strictObject({ title: z.string(), environment: z.string() }) };
const pathChanged = { ...PROJECT_OPERATIONS.getProject, path: "/v1/projects/{projectId}" as const };
export const argsDrifts: unknown[] = [
  // @ts-expect-error the old body after the operation's body changed
  { params: { orgId: "org_1" }, body: { name: "chat", environment: "development" } } satisfies ArgsOf<typeof bodyChanged>,
  // @ts-expect-error the old path parameters after the operation's path changed
  { params: { orgId: "org_1", projectId: "proj_1" } } satisfies ArgsOf<typeof pathChanged>,
];

export const routeDrifts = [
  route(PROJECT_OPERATIONS.getProject, {
    scope: "project",
    permission: "readProject",
    // @ts-expect-error a handler that answers another shape than the operation's response
    handler: async () => ({ id: 1 }),
  }),
  route(PROJECT_OPERATIONS.getProject, {
    scope: "project",
    permission: "readProject",
    // @ts-expect-error a path parameter the operation's path does not name
    handler: async ({ params }) => params.keyId,
  }),
  route(bodyChanged, {
    scope: "organization",
    permission: "createProject",
    // @ts-expect-error the handler still reads the body field the operation renamed
    handler: async ({ body }) => body.name,
  }),
  route(PROJECT_OPERATIONS.archiveProject, {
    scope: "project",
    permission: "archiveProject",
    // @ts-expect-error a 204 operation's handler returns no body
    handler: async () => ({ archived: true }),
  }),
];

export const operationDrifts = operations({
  // @ts-expect-error a path parameter of no known id kind
  listWebhooks: { method: "GET", path: "/v1/organizations/{orgId}/webhooks/{webhookId}", summary: "x", status: 200 },
});

describe("one contract for server and client", () => {
  // The sign-in routes are built from the app's sign-in runtime, the invitation routes from its public URL: only their handlers read them.
  const served = [...API_ROUTES, ...authRoutes({} as never), ...invitationRoutes("http://127.0.0.1:7410"), ...systemRoutes(new Metrics({} as never), API_ROUTES)];
  const contract = ["method", "path", "summary", "status", "query", "body", "response"] as const;

  it("serves every operation of schema/ exactly once, as the operation declares it", () => {
    for (const [id, op] of Object.entries(OPERATIONS)) {
      const routes = served.filter((r) => r.operationId === id);
      assert.equal(routes.length, 1, `operation ${id} is served by ${routes.length} routes`);
      for (const field of contract) assert.equal(routes[0][field], op[field as keyof typeof op], `route ${id} restates its ${field}`);
    }
  });

  it("fills a path template from its parameters, encoded, and names a missing one", () => {
    assert.equal(fillPath("/v1/organizations/{orgId}/members/{userId}", { orgId: "org_1", userId: "a/b?" }), "/v1/organizations/org_1/members/a%2Fb%3F");
    assert.throws(() => fillPath("/v1/organizations/{orgId}", {} as never), /^Error: \/v1\/organizations\/\{orgId\} needs a value for \{orgId\}$/);
  });

  describe("against a real backend", function () {
    this.timeout(120_000);
    let backend: Backend;
    let client: TenancyClient;
    before(async () => {
      backend = await startBackend();
      client = new TenancyClient({ endpoint: backend.url, token: backend.token });
    });
    after(() => backend?.dispose());

    it("calls operations by name: path parameters, query, body and the typed answer", async () => {
      const org = await client.call("createOrganization", { body: { name: "Contract" } });
      const created = await client.call("createProject", { params: { orgId: org.id }, body: { name: "chat", environment: "development" } });
      assert.equal(created.name, "chat");
      const listed = await client.call("listProjects", { params: { orgId: org.id }, query: { name: "chat", limit: 1 } });
      assert.deepEqual(listed, { data: [created], hasMore: false, nextCursor: null });
      const renamed = await client.call("updateProject", { params: { orgId: org.id, projectId: created.id }, body: { description: "the chat backend" } });
      assert.equal(renamed.description, "the chat backend");
      assert.equal(await client.call("archiveProject", { params: { orgId: org.id, projectId: created.id } }), undefined);
      assert.equal((await client.projects.getById(created.id)).status, "archived");
    });
  });
});
