import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { PERMISSIONS } from "../../backend/auth/permissions";
import { account, Api, call, client, expectStatus, mintToken, Res, editStore, useBackend } from "./helpers";

/**
 * The role matrix of DESIGN.md, checked route by route against the router's own table
 * (/openapi.json): an operation without a row here fails the suite, so a new route cannot ship
 * without its authorization decided.
 */
// `robot` is a service account of organization A with the admin role: an admin inside A, and
// nothing beyond it (no organization of its own, no token it mints for itself).
// `auditor` holds the organization role viewer (reads what an admin reads, writes nothing) and is
// also the owner of every project: that project role must not let it write either.
// `fenced` is an admin of organization A whose token is older than A's maxTokenLifetimeDays: A's
// policy refuses it on every route of A, while its own routes still answer.
// `unsigned` is an admin of organization A whose token comes from a sign-in without a second
// factor, while A requires MFA: refused alike, 403 mfa_required (issue 22).
const ACTORS = ["admin", "billing", "member", "owner", "pmember", "viewer", "auditor", "robot", "fenced", "unsigned", "outsider", "anonymous", "revoked", "expired"] as const;
type Actor = (typeof ACTORS)[number];
type Expect = Partial<Record<Actor, number>>;

// Statuses for the eight insiders of organization A (admin … robot); outsiders and bad tokens are
// derived. The robot answers as the admin unless a row says otherwise.
const everyone = (s: number): Expect => ({ admin: s, billing: s, member: s, owner: s, pmember: s, viewer: s, auditor: s });
const adminOnly = (ok: number): Expect => ({ ...everyone(403), admin: ok });
const projectVisible = (s: number): Expect => ({ admin: s, billing: s, member: 404, owner: s, pmember: s, viewer: s, auditor: s });
const projectManage = (ok: number): Expect => ({ admin: ok, billing: 403, member: 404, owner: ok, pmember: 403, viewer: 403, auditor: 403 });
// The organization role of each insider that is not an admin.
const INSIDERS = ["billing", "member", "owner", "pmember", "viewer", "auditor"] as const;
const orgRoleOf = (a: (typeof INSIDERS)[number]) => (a === "billing" ? "billing" : a === "auditor" ? "viewer" : "member");
const MAX_TOKEN_DAYS = 30;
const PUBLIC_URL = "https://tenancy.matrix.test";
const TOO_OLD = `this organization refuses management tokens older than ${MAX_TOKEN_DAYS} days (securityPolicy.session.maxTokenLifetimeDays); tokens minted with POST /v1/tokens keep their parent's age, so get a new one: sign in again (tenancy login), or mint one with npm run token on the server host`;
const PERSON_ONLY = "do this as a service account: a service account acts only in its own organization, whose admins mint its tokens (POST /v1/organizations/{orgId}/service-accounts/{userId}/tokens)";

interface Ids {
  orgId: string;
  projectId: string;
  userId: string;
  keyId: string;
  tokenId: string;
  invitationId: string;
  /** The accept link's code of `invitationId`, sent as `?code=` where the row says `query`. */
  code: string;
}

interface Row {
  expect: Expect;
  /** Outside organization A, the route is the caller's own (tokens, me, organization list). */
  ownScope?: boolean;
  body?: (actor: Actor) => unknown;
  /** Fresh objects for calls that change or destroy what they touch. */
  prepare?: (actor: Actor) => Promise<Partial<Ids>>;
  /** The 403 detail for actors a service (not the route's permission) refuses, e.g. by field. */
  denied?: Partial<Record<Actor, string>>;
  /** Calls with this token instead of the actor's own (a route that ends the calling token). */
  token?: (actor: Actor) => Promise<string | undefined>;
  /** The query string the call sends (the accept link's code). */
  query?: (v: Ids) => string;
}

const UNAUTHENTICATED = "authorization must be \"Bearer <management token>\" with an active token (tmt_…); create one with npm run token or POST /v1/tokens";
// The data plane (scope gateway) names the credential it wants instead: no management token works there.
const DATA_PLANE_UNAUTHENTICATED =
  "authorization must be \"Bearer <gateway credential>\" with a live gateway credential (tgw_…, minted on the server host with npm run -s gateway-token -- NAME); project API keys and management tokens do not work here";
const DATA_PLANE = ["POST /v1/authorize", "POST /v1/usage"];
const TITLES: Record<number, [string, string]> = { 401: ["unauthenticated", "Unauthenticated"], 403: ["forbidden", "Forbidden"], 404: ["not_found", "Not found"] };

/** The whole problem body a refusal must carry (requestId aside). */
function refusal(status: number, detail: string, [code, title] = TITLES[status]) {
  return { type: `https://tenancy.dev/problems/${code.replace(/_/g, "-")}`, title, status, detail, code, requestId: "string" };
}

for (const dialect of DIALECTS) {
  describe(`authorization matrix (${dialect.name})`, function () {
    // Where sign-in refusals send people: fixed, as behind a proxy (the test server's port is chosen at start).
    const { backend, root } = useBackend({ dialect, env: { TENANCY_PUBLIC_URL: PUBLIC_URL } });
    const apis = {} as Record<Actor, Api>;
    const emails = {} as Record<Actor, string>;
    let ids: Ids;
    let orgB: string;
    let serviceAccount: string;
    let robot: string;
    let counter = 0;
    const fresh = (tag: string) => `${tag}-${++counter}@matrix.test`;

    async function freshProject(): Promise<string> {
      const p = expectStatus(await root.post(`/v1/organizations/${ids.orgId}/projects`, { name: `p-${++counter}`, environment: "development" }), 201).id;
      for (const [actor, role] of [["owner", "owner"], ["pmember", "member"], ["viewer", "viewer"], ["auditor", "owner"]] as const) {
        expectStatus(await root.post(`/v1/organizations/${ids.orgId}/projects/${p}/members`, { email: emails[actor], role }), 201);
      }
      return p;
    }
    async function freshOrgMember(): Promise<string> {
      return expectStatus(await root.post(`/v1/organizations/${ids.orgId}/members`, { email: await account(backend, fresh("target")), role: "member" }), 201).userId;
    }
    async function freshProjectMember(projectId = ids.projectId): Promise<string> {
      const email = await account(backend, fresh("ptarget"));
      expectStatus(await root.post(`/v1/organizations/${ids.orgId}/members`, { email, role: "member" }), 201);
      return expectStatus(await root.post(`/v1/organizations/${ids.orgId}/projects/${projectId}/members`, { email, role: "viewer" }), 201).userId;
    }
    /** A pending invitation of organization A for a fresh address (no actor's), with its accept code. */
    async function freshInvitation(projects: { projectId: string; role: string }[] = []): Promise<Pick<Ids, "invitationId" | "code">> {
      const sent = expectStatus(await root.post(`/v1/organizations/${ids.orgId}/invitations`, { email: fresh("invitee"), role: "member", projects }), 201);
      return { invitationId: sent.id, code: new URL(sent.acceptUrl).searchParams.get("code")! };
    }
    async function freshKey(projectId = ids.projectId): Promise<string> {
      return expectStatus(await root.post(`/v1/organizations/${ids.orgId}/projects/${projectId}/api-keys`, { name: `k-${++counter}`, owner: emails.pmember }), 201).id;
    }

    const MATRIX: Record<string, Row> = {
      "GET /v1/me": { expect: everyone(200), ownScope: true },
      "GET /v1/tokens": { expect: everyone(200), ownScope: true },
      "POST /v1/tokens": { expect: { ...everyone(201), robot: 403 }, ownScope: true, body: () => ({ name: "matrix" }), denied: { robot: PERSON_ONLY } },
      "GET /v1/tokens/{tokenId}": { expect: everyone(200), ownScope: true },
      "DELETE /v1/tokens/{tokenId}": {
        expect: everyone(204),
        ownScope: true,
        prepare: async (actor) => {
          const doomed = await doomedToken(actor);
          return doomed ? { tokenId: doomed.id } : {};
        },
      },
      // Signing out revokes the calling token: each actor signs out a fresh one of its own.
      "POST /v1/auth/logout": { expect: everyone(204), ownScope: true, token: async (actor) => (await doomedToken(actor))?.token ?? apis[actor].token },
      // claims (issue 20): only ever the caller's own, so every authenticated caller gets the same answers.
      "GET /v1/claims": { expect: everyone(200), ownScope: true },
      "POST /v1/claims/confirm": { expect: everyone(204), ownScope: true, body: () => ({ objectIds: [ids.projectId] }) },
      "GET /v1/organizations": { expect: everyone(200), ownScope: true },
      "POST /v1/organizations": { expect: { ...everyone(201), robot: 403 }, ownScope: true, body: () => ({ name: "Mine" }), denied: { robot: PERSON_ONLY } },
      "GET /v1/organizations/{orgId}": { expect: everyone(200) },
      "PATCH /v1/organizations/{orgId}": { expect: adminOnly(200), body: () => ({ name: `Org A ${++counter}` }), denied: { billing: "change name" } },
      "DELETE /v1/organizations/{orgId}": {
        // The disposable organization is not the robot's (it can never be a member of another) nor the fenced admins'.
        expect: { ...adminOnly(204), robot: 404, fenced: 404, unsigned: 404 },
        prepare: async () => {
          const org = expectStatus(await root.post("/v1/organizations", { name: "Disposable" }), 201).id;
          for (const a of INSIDERS) {
            expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: emails[a], role: orgRoleOf(a) }), 201);
          }
          return { orgId: org };
        },
      },
      "GET /v1/organizations/{orgId}/members": { expect: everyone(200) },
      // A fresh address has no account: adding it invites the person (202).
      "POST /v1/organizations/{orgId}/members": { expect: adminOnly(202), body: () => ({ email: fresh("new"), role: "member" }) },
      "GET /v1/organizations/{orgId}/members/{userId}": { expect: everyone(200) },
      "PATCH /v1/organizations/{orgId}/members/{userId}": { expect: adminOnly(200), body: () => ({ role: "billing" }), prepare: async () => ({ userId: await freshOrgMember() }) },
      "DELETE /v1/organizations/{orgId}/members/{userId}": { expect: adminOnly(204), prepare: async () => ({ userId: await freshOrgMember() }) },
      // invitations (issue 22): sent and revoked by whoever may add members, listed by whoever may list them.
      "GET /v1/organizations/{orgId}/invitations": { expect: everyone(200) },
      "POST /v1/organizations/{orgId}/invitations": { expect: adminOnly(201), body: () => ({ email: fresh("invited"), role: "member" }) },
      "GET /v1/organizations/{orgId}/invitations/{invitationId}": { expect: everyone(200) },
      "DELETE /v1/organizations/{orgId}/invitations/{invitationId}": { expect: adminOnly(204), prepare: () => freshInvitation() },
      // Taking a project out of an invitation is adding a project member's permission: the project's owners and admins.
      "DELETE /v1/organizations/{orgId}/invitations/{invitationId}/projects/{projectId}": {
        expect: projectManage(204),
        prepare: () => freshInvitation([{ projectId: ids.projectId, role: "viewer" }]),
      },
      // Only the invited person may accept, with the link's code: to anyone else the invitation does not exist.
      "POST /v1/invitations/{invitationId}/accept": {
        expect: { ...everyone(404), robot: 403 },
        ownScope: true,
        prepare: () => freshInvitation(),
        query: (v) => `?code=${v.code}`,
        denied: { robot: PERSON_ONLY },
      },
      "GET /v1/organizations/{orgId}/service-accounts": { expect: everyone(200) },
      "POST /v1/organizations/{orgId}/service-accounts": { expect: adminOnly(201), body: () => ({ name: "bot", role: "member" }) },
      "POST /v1/organizations/{orgId}/service-accounts/{userId}/tokens": { expect: adminOnly(201), body: () => ({ name: "ci" }), prepare: async () => ({ userId: serviceAccount }) },
      "GET /v1/organizations/{orgId}/service-accounts/{userId}/tokens": { expect: adminOnly(200), prepare: async () => ({ userId: serviceAccount }) },
      "DELETE /v1/organizations/{orgId}/service-accounts/{userId}/tokens/{tokenId}": {
        expect: adminOnly(204),
        prepare: async () => ({
          userId: serviceAccount,
          tokenId: expectStatus(await root.post(`/v1/organizations/${ids.orgId}/service-accounts/${serviceAccount}/tokens`, { name: `doomed-${++counter}` }), 201).id,
        }),
      },
      "PATCH /v1/organizations/{orgId}/service-accounts/{userId}/tokens/{tokenId}": {
        expect: adminOnly(200),
        body: () => ({ expiresAt: "2099-01-01T00:00:00.000Z" }),
        prepare: async () => ({
          userId: serviceAccount,
          tokenId: expectStatus(await root.post(`/v1/organizations/${ids.orgId}/service-accounts/${serviceAccount}/tokens`, { name: `retiring-${++counter}` }), 201).id,
        }),
      },
      "GET /v1/organizations/{orgId}/projects": { expect: everyone(200) },
      "POST /v1/organizations/{orgId}/projects": { expect: adminOnly(201), body: () => ({ name: `new-${++counter}`, environment: "other" }) },
      "GET /v1/organizations/{orgId}/projects/{projectId}": { expect: projectVisible(200) },
      "PATCH /v1/organizations/{orgId}/projects/{projectId}": { expect: projectManage(200), body: () => ({ description: `d${++counter}` }) },
      "DELETE /v1/organizations/{orgId}/projects/{projectId}": {
        expect: { admin: 204, billing: 403, member: 404, owner: 403, pmember: 403, viewer: 403, auditor: 403 },
        prepare: async () => ({ projectId: await freshProject() }),
      },
      "GET /v1/projects/{projectId}": { expect: projectVisible(200) },
      "GET /v1/organizations/{orgId}/projects/{projectId}/members": { expect: projectVisible(200) },
      "POST /v1/organizations/{orgId}/projects/{projectId}/members": {
        expect: projectManage(201),
        body: () => ({ email: emails.billing, role: "viewer" }),
        prepare: async () => ({ projectId: await freshProject() }),
      },
      "GET /v1/organizations/{orgId}/projects/{projectId}/members/{userId}": { expect: projectVisible(200) },
      "PATCH /v1/organizations/{orgId}/projects/{projectId}/members/{userId}": {
        expect: projectManage(200),
        body: () => ({ role: "member" }),
        prepare: async () => ({ userId: await freshProjectMember() }),
      },
      "DELETE /v1/organizations/{orgId}/projects/{projectId}/members/{userId}": { expect: projectManage(204), prepare: async () => ({ userId: await freshProjectMember() }) },
      "GET /v1/organizations/{orgId}/projects/{projectId}/api-keys": { expect: projectVisible(200) },
      "POST /v1/organizations/{orgId}/projects/{projectId}/api-keys": {
        expect: { ...projectManage(201), pmember: 201 },
        body: () => ({ name: `k-${++counter}`, owner: emails.pmember }),
      },
      "GET /v1/organizations/{orgId}/projects/{projectId}/api-keys/{keyId}": { expect: projectVisible(200) },
      "PATCH /v1/organizations/{orgId}/projects/{projectId}/api-keys/{keyId}": { expect: { ...projectManage(200), pmember: 200 }, body: () => ({ name: `r-${++counter}` }) },
      "DELETE /v1/organizations/{orgId}/projects/{projectId}/api-keys/{keyId}": { expect: { ...projectManage(204), pmember: 204 }, prepare: async () => ({ keyId: await freshKey() }) },
      "GET /v1/organizations/{orgId}/audit-events": { expect: { admin: 200, billing: 403, member: 403, owner: 200, pmember: 403, viewer: 403, auditor: 200 } },
      // usage (issue 8): readUsage is admin/billing or any project role; the data plane refuses every management token.
      "GET /v1/organizations/{orgId}/usage": { expect: { admin: 200, billing: 200, member: 403, owner: 200, pmember: 200, viewer: 200, auditor: 200 } },
      "GET /v1/organizations/{orgId}/costs": { expect: { admin: 200, billing: 200, member: 403, owner: 200, pmember: 200, viewer: 200, auditor: 200 } },
      "GET /v1/organizations/{orgId}/invoices": { expect: { admin: 200, billing: 200, member: 403, owner: 200, pmember: 200, viewer: 200, auditor: 200 } },
      "GET /v1/prices": { expect: everyone(200), ownScope: true },
      "POST /v1/authorize": { expect: everyone(401), ownScope: true, body: () => ({ apiKey: "tpk_matrix", model: "gpt-4o" }) },
      "POST /v1/usage": { expect: everyone(401), ownScope: true, body: () => ({ events: [{ eventId: "m", apiKeyId: ids.keyId, model: "gpt-4o", inputTokens: 1, outputTokens: 1 }] }) },
    };

    function expected(row: Row, actor: Actor): number {
      if (actor === "anonymous" || actor === "revoked" || actor === "expired") return 401;
      if (actor === "outsider") return row.ownScope ? row.expect.admin! : 404;
      if (actor === "robot") return row.expect.robot ?? row.expect.admin!;
      if (actor === "fenced") return row.ownScope ? row.expect.admin! : (row.expect.fenced ?? 401);
      if (actor === "unsigned") return row.ownScope ? row.expect.admin! : (row.expect.unsigned ?? 403);
      return row.expect[actor]!;
    }

    /** A fresh token of the actor's own, to revoke (none for the actors whose token is no good). */
    async function doomedToken(actor: Actor): Promise<{ id: string; token: string } | undefined> {
      if (!apis[actor].token || ["revoked", "expired", "anonymous"].includes(actor)) return undefined;
      // A service account's tokens are minted through its organization, then revoked by itself.
      const minted = actor === "robot" ? await root.post(`/v1/organizations/${ids.orgId}/service-accounts/${robot}/tokens`, { name: "doomed" }) : await apis[actor].post("/v1/tokens", { name: "doomed" });
      return expectStatus(minted, 201);
    }

    /** The refusal of A's requireMfa, naming A as it is called now (rows rename it). */
    async function mfaRequired(): Promise<string> {
      const name = expectStatus(await root.get(`/v1/organizations/${ids.orgId}`), 200).name;
      return `organization ${JSON.stringify(name)} (${ids.orgId}) requires a sign-in with more than one factor (securityPolicy.session.requireMfa); the identity provider asserted no second factor (amr) at the sign-in your token comes from: sign in again with tenancy login --endpoint ${PUBLIC_URL} --email ${emails.unsigned}, then use the token it stores, completing a second factor there`;
    }

    const fill = (template: string, v: Ids) => template.replace(/\{(\w+)\}/g, (_, k: keyof Ids) => v[k]);

    before(async function () {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Org A" }), 201).id;
      for (const a of ACTORS) emails[a] = `${a}@matrix.test`;
      const people = ACTORS.filter((a) => a !== "robot");
      const tokens = await Promise.all(people.map((a) => (a === "admin" ? backend.token : a === "anonymous" ? undefined : mintToken(backend, emails[a], a === "expired" ? 1 : undefined))));
      people.forEach((a, i) => (apis[a] = client(backend, tokens[i])));
      const sa = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "robot", role: "admin" }), 201);
      [robot, emails.robot] = [sa.userId, sa.email];
      apis.robot = client(backend, expectStatus(await root.post(`/v1/organizations/${org}/service-accounts/${robot}/tokens`, { name: "matrix" }), 201).token);
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: emails.fenced, role: "admin" }), 201);
      expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: emails.unsigned, role: "admin" }), 201);
      expectStatus(await root.patch(`/v1/organizations/${org}`, { securityPolicy: { session: { maxTokenLifetimeDays: MAX_TOKEN_DAYS, requireMfa: true } } }), 200);
      // What a sign-in at a provider that asserted one factor records (sign-in*.test.ts signs in for real).
      await editStore(backend, "UPDATE tokens SET sso_issuer = $1, sso_subject = $2, sso_mfa = 0 WHERE user_id = (SELECT id FROM users WHERE email = $3)", ["https://idp.matrix.test", "unsigned", emails.unsigned]);
      const born = new Date(Date.now() - 2 * MAX_TOKEN_DAYS * 86_400_000).toISOString();
      await editStore(backend, "UPDATE tokens SET created_at = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)", [born, emails.fenced]);
      emails.admin = backend.email;
      orgB = expectStatus(await apis.outsider.post("/v1/organizations", { name: "Org B" }), 201).id;
      for (const a of INSIDERS) {
        expectStatus(await root.post(`/v1/organizations/${org}/members`, { email: emails[a], role: orgRoleOf(a) }), 201);
      }
      ids = { orgId: org, projectId: "", userId: "", keyId: "", tokenId: "", invitationId: "", code: "" };
      ids.projectId = await freshProject();
      await freshProject(); // a second project in the same organization
      ids.userId = await freshProjectMember();
      ids.keyId = await freshKey();
      ids.invitationId = (await freshInvitation()).invitationId;
      serviceAccount = expectStatus(await root.post(`/v1/organizations/${org}/service-accounts`, { name: "deployer", role: "member" }), 201).userId;
      const revokedMe = expectStatus(await apis.revoked.get("/v1/me"), 200);
      expectStatus(await apis.revoked.delete(`/v1/tokens/${revokedMe.token.id}`), 204);
      await editStore(backend, "UPDATE tokens SET expires_at = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)", [new Date(Date.now() - 1000).toISOString(), emails.expired]);
    });

    it("has a row for every operation in /openapi.json, and no row for an operation that does not exist", async () => {
      const doc = expectStatus(await call(backend.url, "GET", "/openapi.json", undefined), 200);
      const operations = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => !(Array.isArray(op.security) && op.security.length === 0))
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      assert.deepEqual(operations.filter((o) => !(o in MATRIX)), [], "routes without matrix rows");
      assert.deepEqual(Object.keys(MATRIX).filter((o) => !operations.includes(o)), [], "matrix rows without routes");
    });

    it("answers every route × method × actor with the status and the whole refusal body of the role matrix", async function () {
      const doc = expectStatus(await call(backend.url, "GET", "/openapi.json", undefined), 200);
      const failures: string[] = [];
      let checked = 0;
      let bodies = 0;
      for (const [op, row] of Object.entries(MATRIX)) {
        const [method, template] = op.split(" ");
        const declared = doc.paths[template][method.toLowerCase()];
        const permission = (PERMISSIONS as Record<string, Record<string, { denied: string }>>)[declared["x-tenancy-scope"]][declared["x-tenancy-permission"]];
        for (const actor of ACTORS) {
          const own = actor !== "anonymous" && template.includes("{tokenId}") ? (await apis[actor === "revoked" || actor === "expired" ? "admin" : actor].get("/v1/me")).body.token.id : "";
          const v: Ids = { ...ids, tokenId: own, ...(row.prepare ? await row.prepare(actor) : {}) };
          const res = await call(backend.url, method, fill(template, v) + (row.query?.(v) ?? ""), row.token ? await row.token(actor) : apis[actor].token, { body: row.body?.(actor) });
          checked++;
          const want = expected(row, actor);
          if (res.status !== want) failures.push(`${op} as ${actor}: expected ${want}, got ${res.status} ${res.text.slice(0, 200)}`);
          if (res.status >= 400) assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8", `${op} as ${actor}`);
          if (res.status !== want || want < 400) continue;
          // Refusals are compared whole: the code, and a detail that names what was refused.
          const hidden = !template.includes("{orgId}") && template.includes("{invitationId}")
            ? ["invitation", v.invitationId]
            : template.includes("{projectId}") && (actor !== "outsider" || !template.includes("{orgId}"))
              ? ["project", v.projectId]
              : ["organization", v.orgId];
          const tooOld = actor === "fenced" && want === 401 && !row.ownScope;
          const noMfa = actor === "unsigned" && want === 403 && !row.ownScope;
          const detail = tooOld
            ? TOO_OLD
            : noMfa
              ? await mfaRequired()
              : want === 401
              ? DATA_PLANE.includes(op)
                ? DATA_PLANE_UNAUTHENTICATED
                : UNAUTHENTICATED
              : want === 404
                ? `${hidden[0]} "${hidden[1]}" not found`
                : `your role does not allow you to ${row.denied?.[actor] ?? permission.denied}`;
          const { requestId, ...problem } = refusal(want, detail, tooOld ? ["token_too_old", "Token too old"] : noMfa ? ["mfa_required", "MFA required"] : undefined);
          const body = noMfa ? { ...problem, signIn: { url: `${PUBLIC_URL}/v1/auth/device`, command: `tenancy login --endpoint ${PUBLIC_URL} --email ${emails.unsigned}` }, requestId } : { ...problem, requestId };
          bodies++;
          const got = { ...res.body, requestId: typeof res.body.requestId };
          if (JSON.stringify(got) !== JSON.stringify(body)) failures.push(`${op} as ${actor}: body ${JSON.stringify(got)}, expected ${JSON.stringify(body)}`);
        }
      }
      console.log(`      authorization matrix: ${Object.keys(MATRIX).length} operations × ${ACTORS.length} actors = ${checked} calls checked, ${bodies} refusal bodies compared`);
      assert.deepEqual(failures, []);
    });

    // Read from the route table's own flags (/openapi.json), and checked against what the server answers.
    type Operation = { parameters?: Array<{ name: string }>; "x-tenancy-scope": string; "x-tenancy-active-project"?: boolean; responses: Record<string, any> };
    const operationsOf = (doc: any) =>
      Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([template, ops]) => Object.entries(ops).map(([method, op]) => ({ template, method: method.toUpperCase(), op })));

    it("answers 412 to a stale If-Match on every versioned write, and documents If-Match exactly there", async () => {
      const doc = expectStatus(await call(backend.url, "GET", "/openapi.json", undefined), 200);
      // A path is versioned when its GET answers an object with a version (its ETag).
      const versioned = (template: string) => doc.paths[template]?.get?.responses["200"]?.content["application/json"].schema.properties?.version !== undefined;
      const failures: string[] = [];
      let checked = 0;
      for (const { template, method, op } of operationsOf(doc).filter((o) => o.method === "PATCH" || o.method === "DELETE")) {
        const name = `${method} ${template}`;
        const documented = (op.parameters ?? []).some((p) => p.name === "If-Match") && op.responses["412"] !== undefined;
        if (documented !== versioned(template)) failures.push(`${name}: If-Match ${documented ? "documented" : "not documented"}, but the object ${versioned(template) ? "has" : "has no"} version`);
        if (!versioned(template)) continue;
        const row = MATRIX[name];
        const v: Ids = { ...ids, ...(row.prepare ? await row.prepare("admin") : {}) };
        const path = fill(template, v);
        const read = await root.get(path);
        expectStatus(read, 200);
        const etag = read.headers.etag;
        const stale = await call(backend.url, method, path, root.token, { body: row.body?.("admin"), headers: { "if-match": '"999999"' } });
        checked++;
        if (stale.status !== 412 || stale.body.code !== "version_mismatch") failures.push(`${name} with a stale If-Match: ${stale.status} ${stale.text.slice(0, 200)}`);
        const current = await call(backend.url, method, path, root.token, { body: row.body?.("admin"), headers: { "if-match": etag } });
        if (current.status !== row.expect.admin) failures.push(`${name} with the current ETag ${etag}: ${current.status} ${current.text.slice(0, 200)}`);
      }
      assert.deepEqual(failures, []);
      assert.ok(checked >= 9, `only ${checked} versioned writes found`);
    });

    // Project-scoped writes an archived project still takes, and why; every other one is refused.
    const ARCHIVED_TAKES: Record<string, number> = {
      // Taking access away stays possible, a grant an invitation holds included.
      "DELETE /v1/organizations/{orgId}/projects/{projectId}/members/{userId}": 204,
      "DELETE /v1/organizations/{orgId}/invitations/{invitationId}/projects/{projectId}": 204,
      // Archiving twice, or revoking a key archiving revoked, is the no-op 204.
      "DELETE /v1/organizations/{orgId}/projects/{projectId}": 204,
      "DELETE /v1/organizations/{orgId}/projects/{projectId}/api-keys/{keyId}": 204,
    };

    it("refuses every project-scoped write to an archived project, as its route declares", async () => {
      const doc = expectStatus(await call(backend.url, "GET", "/openapi.json", undefined), 200);
      const failures: string[] = [];
      const writes = operationsOf(doc).filter((o) => o.op["x-tenancy-scope"] === "project" && o.method !== "GET");
      for (const { template, method, op } of writes) {
        const name = `${method} ${template}`;
        const declared = op["x-tenancy-active-project"] === true;
        if (declared === name in ARCHIVED_TAKES) failures.push(`${name}: activeProject ${declared ? "declared" : "not declared"}, but ARCHIVED_TAKES ${declared ? "lists" : "does not list"} it`);
        const projectId = await freshProject();
        const userId = await freshProjectMember(projectId);
        const keyId = await freshKey(projectId);
        expectStatus(await root.delete(`/v1/organizations/${ids.orgId}/projects/${projectId}`), 204);
        const res = await call(backend.url, method, fill(template, { ...ids, projectId, userId, keyId }), root.token, { body: MATRIX[name].body?.("admin") });
        const want = declared ? refusal(400, `project ${projectId} is archived; archived projects are read-only`, ["invalid_request", "Invalid request"]) : undefined;
        if (want && JSON.stringify({ ...res.body, requestId: "string" }) !== JSON.stringify(want)) failures.push(`${name}: ${res.status} ${res.text.slice(0, 200)}`);
        if (!want && res.status !== ARCHIVED_TAKES[name]) failures.push(`${name}: expected ${ARCHIVED_TAKES[name]}, got ${res.status} ${res.text.slice(0, 200)}`);
      }
      assert.deepEqual(failures, []);
      assert.equal(writes.length, 9, writes.map((w) => `${w.method} ${w.template}`).join(", "));
    });

    it("answers an invisible object exactly as a missing or malformed id", async () => {
      const shape = (res: Res, id: string) => ({
        status: res.status,
        type: res.headers["content-type"],
        body: { ...res.body, detail: res.body.detail.replace(id, "<id>"), requestId: typeof res.body.requestId },
      });
      const cases: Array<[Api, string, string, string]> = [
        [apis.outsider, "/v1/organizations/{id}", ids.orgId, "org_0000000000000000missing"],
        [apis.outsider, "/v1/organizations/{id}/projects", ids.orgId, "org_not-even-an-id"],
        [apis.member, `/v1/organizations/${ids.orgId}/projects/{id}`, ids.projectId, "proj_0000000000000000missing"],
        [apis.member, "/v1/projects/{id}", ids.projectId, "proj_x"],
        [apis.outsider, "/v1/projects/{id}", ids.projectId, "proj_0000000000000000missing"],
        [apis.member, `/v1/organizations/${ids.orgId}/projects/{id}/api-keys`, ids.projectId, "proj_0000000000000000missing"],
      ];
      for (const [api, template, hidden, missing] of cases) {
        const a = await api.get(template.replace("{id}", hidden));
        const b = await api.get(template.replace("{id}", missing));
        assert.equal(a.status, 404, template);
        assert.deepEqual(shape(a, hidden), shape(b, missing), template);
      }
      // Writes too: the outsider's POST into another tenant looks like a POST into nothing.
      const a = await apis.outsider.post(`/v1/organizations/${ids.orgId}/members`, { email: "x@y.test", role: "admin" });
      const b = await apis.outsider.post(`/v1/organizations/org_0000000000000000missing/members`, { email: "x@y.test", role: "admin" });
      assert.deepEqual(shape(a, ids.orgId), shape(b, "org_0000000000000000missing"));
      // A malformed user id is named as its route names the user: a member, or a service account.
      const org = `/v1/organizations/${ids.orgId}`;
      for (const [template, label] of [[`${org}/members/{id}`, "member"], [`${org}/service-accounts/{id}/tokens`, "service account"]]) {
        const malformed = await root.get(template.replace("{id}", "user_x"));
        assert.equal(expectStatus(malformed, 404).detail, `${label} "user_x" not found`, template);
        assert.deepEqual(shape(malformed, "user_x"), shape(await root.get(template.replace("{id}", "user_0000000000000000missing")), "user_0000000000000000missing"), template);
      }
    });

    it("refuses escalation: granting above one's role, re-roling oneself, mass-assigning fields", async () => {
      const org = `/v1/organizations/${ids.orgId}`;
      const project = `${org}/projects/${ids.projectId}`;
      const ownerMe = expectStatus(await apis.owner.get("/v1/me"), 200).user.id;
      const pmemberMe = expectStatus(await apis.pmember.get("/v1/me"), 200).user.id;
      const auditorMe = expectStatus(await apis.auditor.get("/v1/me"), 200).user.id;
      const attempts: Array<[string, Promise<Res>, number]> = [
        ["owner grants org admin", apis.owner.post(`${org}/members`, { email: emails.owner, role: "admin" }), 403],
        ["owner re-roles self in the org", apis.owner.patch(`${org}/members/${ownerMe}`, { role: "admin" }), 403],
        ["member re-roles self to project owner", apis.pmember.patch(`${project}/members/${pmemberMe}`, { role: "owner" }), 403],
        ["viewer adds self as owner", apis.viewer.post(`${project}/members`, { email: emails.viewer, role: "owner" }), 403],
        ["org viewer grants itself admin", apis.auditor.patch(`${org}/members/${auditorMe}`, { role: "admin" }), 403],
        ["org viewer adds an admin", apis.auditor.post(`${org}/members`, { email: fresh("v"), role: "admin" }), 403],
        ["org viewer, owner of the project, adds a project owner", apis.auditor.post(`${project}/members`, { email: emails.member, role: "owner" }), 403],
        ["billing grants admin", apis.billing.post(`${org}/members`, { email: fresh("b"), role: "admin" }), 403],
        ["outsider joins org A", apis.outsider.post(`${org}/members`, { email: emails.outsider, role: "admin" }), 404],
        ["project moved to another organization", root.patch(project, { organizationId: orgB }), 400],
        ["project created with organizationId", root.post(`${org}/projects`, { name: "mass", environment: "other", organizationId: orgB }), 400],
        ["member patched with userId", root.patch(`${org}/members/${ownerMe}`, { role: "member", userId: pmemberMe }), 400],
        ["key created with its own hash", root.post(`${project}/api-keys`, { name: "h", owner: emails.pmember, hash: "00" }), 400],
        ["key re-owned by patch", apis.pmember.patch(`${project}/api-keys/${ids.keyId}`, { owner: emails.owner }), 400],
        ["organization patched with id and version", root.patch(org, { id: orgB, version: 99 }), 400],
        ["token minted for someone else", apis.pmember.post("/v1/tokens", { name: "x", userId: ownerMe }), 400],
        ["project status forced", root.patch(project, { status: "archived" }), 400],
      ];
      for (const [what, pending, status] of attempts) {
        const res = await pending;
        assert.equal(res.status, status, `${what}: ${res.text}`);
      }
      const roles = expectStatus(await root.get(`${org}/members/${ownerMe}`), 200);
      assert.equal(roles.role, "member");
    });
  });
}
