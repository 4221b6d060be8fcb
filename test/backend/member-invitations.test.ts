import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { DIALECTS } from "../support/backend";
import { IdentityProvider, useIdentityProvider } from "../support/identity-provider";
import { account, Api, call, client, expectStatus, ISO, sqlQuery, useBackend } from "./helpers";
import { signInAs } from "./signed-in";

/**
 * Adding a member by an email with no account invites them (issue 22 item 3): 202 with the
 * invitation instead of a user created and granted without consent; a person with an account is
 * added at once as before, and so is one whose organization's identity provider vouches for their
 * domain (sso.enforced with autoProvision). A project add folds into the pending invitation, which
 * the invitee accepts signed in, under the organization's sign-in policy.
 */

const ACCOUNTS = {
  nia: { email: "nia@join.test", emailVerified: true, amr: ["pwd"] },
  ola: { email: "ola@join.test", emailVerified: true, amr: ["pwd"] },
  pia: { email: "pia@join.test", emailVerified: true, amr: ["pwd"] },
  ray: { email: "ray@auto.test", emailVerified: true, amr: ["pwd"] },
};
type AccountId = keyof typeof ACCOUNTS;
// An identity provider that is not this backend's: no token here ever comes from a sign-in there.
const ELSEWHERE = "https://idp.elsewhere.test";
const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`adding a member invites a person without an account (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    env.TENANCY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    const { backend, root } = useBackend({ dialect, env });
    let idp: IdentityProvider;
    let orgId: string;
    let projectId: string;
    let rootUser: { id: string; email: string };

    const members = (org = orgId) => `/v1/organizations/${org}/members`;
    const projectMembers = (project = projectId, org = orgId) => `/v1/organizations/${org}/projects/${project}/members`;
    const invitations = (org = orgId) => `/v1/organizations/${org}/invitations`;
    const codeOf = (sent: { acceptUrl: string }) => new URL(sent.acceptUrl).searchParams.get("code")!;
    const accept = (api: Api, sent: { id: string; acceptUrl: string }) => api.post(`/v1/invitations/${sent.id}/accept?code=${codeOf(sent)}`);
    const signIn = async (as: AccountId) => client(backend, await signInAs(backend, idp, as, ACCOUNTS[as].email));
    const audit = (id: string) => sqlQuery(backend, "SELECT action, project_id, changes FROM audit_events WHERE target_id = $1 ORDER BY at, id", [id]);
    const newProject = async (name: string, org = orgId) => expectStatus(await root.post(`/v1/organizations/${org}/projects`, { name, environment: "development" }), 201).id as string;

    before(async () => {
      idp = provider();
      orgId = expectStatus(await root.post("/v1/organizations", { name: `Joiners ${dialect.name}` }), 201).id;
      projectId = await newProject("chat");
      rootUser = expectStatus(await root.get("/v1/me"), 200).user;
    });

    it("invites a person with no account: 202 with the invitation (acceptUrl once, 7 days), audited invitation.sent, and creates nobody", async () => {
      const res = await root.post(members(), { email: "New@Join.test", role: "member", externalId: "urn:new" });
      const sent = expectStatus(res, 202);
      assert.match(sent.createdAt, ISO);
      assert.equal(Date.parse(sent.expiresAt) - Date.parse(sent.createdAt), 7 * DAY_MS);
      assert.match(sent.acceptUrl, new RegExp(`/v1/invitations/${sent.id}/accept\\?code=tiv_`));
      const shown = { id: sent.id, organizationId: orgId, email: "new@join.test", role: "member", projects: [], status: "pending", externalId: "urn:new", expiresAt: sent.expiresAt, invitedBy: { userId: rootUser.id, email: rootUser.email }, createdAt: sent.createdAt };
      assert.deepEqual(sent, { ...shown, acceptUrl: sent.acceptUrl });
      assert.equal(res.headers.etag, undefined);
      assert.deepEqual(expectStatus(await root.get(`${invitations()}/${sent.id}`), 200), shown);
      assert.deepEqual(await sqlQuery(backend, "SELECT id FROM users WHERE email = $1", ["new@join.test"]), []);
      assert.deepEqual(expectStatus(await root.get(`${members()}?email=new@join.test`), 200).data, []);
      const [event] = await audit(sent.id);
      assert.deepEqual({ ...event, changes: JSON.parse(event.changes) }, {
        action: "invitation.sent",
        project_id: null,
        changes: { email: { from: null, to: "new@join.test" }, role: { from: null, to: "member" }, projects: { from: null, to: [] }, expiresAt: { from: null, to: sent.expiresAt }, externalId: { from: null, to: "urn:new" } },
      });
    });

    it("adds a person who has an account at once (201 with the membership), as before", async () => {
      const email = await account(backend, "has@join.test");
      const m = expectStatus(await root.post(members(), { email, role: "billing" }), 201);
      assert.deepEqual([m.email, m.role, m.organizationId], [email, "billing", orgId]);
      assert.match(m.userId, /^user_/);
      assert.deepEqual(expectStatus(await root.get(`${invitations()}?email=${email}`), 200).data, []);
    });

    it("answers 409 invitation_pending carrying the pending invitation (without acceptUrl), and invites anew once it is revoked", async () => {
      const { acceptUrl, ...first } = expectStatus(await root.post(members(), { email: "twice@join.test", role: "member" }), 202);
      assert.ok(acceptUrl);
      const again = await root.post(members(), { email: "twice@join.test", role: "admin" });
      assert.deepEqual(expectStatus(again, 409), {
        type: "https://tenancy.dev/problems/invitation-pending",
        title: "Invitation pending",
        status: 409,
        detail: `twice@join.test has no account yet and was already invited to organization ${orgId} (invitation ${first.id}, pending until ${first.expiresAt}); they join once they accept it, or revoke it first (DELETE /v1/organizations/${orgId}/invitations/${first.id}) to invite them again`,
        code: "invitation_pending",
        existing: first,
        requestId: again.body.requestId,
      });
      expectStatus(await root.delete(`${invitations()}/${first.id}`), 204);
      const second = expectStatus(await root.post(members(), { email: "twice@join.test", role: "admin" }), 202);
      assert.notEqual(second.id, first.id);
      const newest = expectStatus(await root.get(`${invitations()}?email=twice@join.test&order=newest&limit=1`), 200);
      assert.deepEqual([newest.data.map((i: { id: string }) => i.id), newest.hasMore], [[second.id], true]);
      const oldest = expectStatus(await root.get(`${invitations()}?email=twice@join.test&limit=1`), 200);
      assert.deepEqual(oldest.data.map((i: { id: string }) => i.id), [first.id]);
      const next = expectStatus(await root.get(`${invitations()}?email=twice@join.test&order=newest&limit=1&after=${newest.nextCursor}`), 200);
      assert.deepEqual([next.data.map((i: { id: string }) => i.id), next.hasMore], [[first.id], false]);
    });

    it("applies the organization's allowed email domains before inviting", async () => {
      const fenced = expectStatus(await root.post("/v1/organizations", { name: `Fenced joiners ${dialect.name}`, settings: { allowedEmailDomains: ["acme.test"] } }), 201).id;
      const outside = expectStatus(await root.post(members(fenced), { email: "someone@join.test", role: "member" }), 400);
      assert.deepEqual(outside.errors, [{ path: "email", message: "must be an address at acme.test (settings.allowedEmailDomains)" }]);
      assert.deepEqual(expectStatus(await root.get(invitations(fenced)), 200).data, []);
    });

    it("folds a project add into the pending invitation (202), re-roles it, and drops it again; audited invitation.updated", async () => {
      const sent = expectStatus(await root.post(members(), { email: "folded@join.test", role: "member" }), 202);
      const other = await newProject("folded-other");
      const added = expectStatus(await root.post(projectMembers(), { email: "folded@join.test", role: "viewer", externalId: "urn:folded:pm" }), 202);
      const { acceptUrl: _url, ...pending } = sent;
      assert.deepEqual(added, { ...pending, projects: [{ projectId, role: "viewer", externalId: "urn:folded:pm" }] });
      const rerole = expectStatus(await root.post(projectMembers(), { email: "folded@join.test", role: "owner", externalId: "urn:folded:pm" }), 202);
      assert.deepEqual(rerole.projects, [{ projectId, role: "owner", externalId: "urn:folded:pm" }]);
      const both = expectStatus(await root.post(projectMembers(other), { email: "folded@join.test", role: "member" }), 202);
      assert.deepEqual(both.projects, [{ projectId, role: "owner", externalId: "urn:folded:pm" }, { projectId: other, role: "member" }]);
      // Nobody was created, and the projects list no such member.
      assert.deepEqual(await sqlQuery(backend, "SELECT id FROM users WHERE email = $1", ["folded@join.test"]), []);
      assert.deepEqual(expectStatus(await root.get(projectMembers()), 200).data.filter((m: { email: string }) => m.email === "folded@join.test"), []);

      expectStatus(await root.delete(`${invitations()}/${sent.id}/projects/${other}`), 204);
      // Dropping a project the invitation does not name changes nothing.
      expectStatus(await root.delete(`${invitations()}/${sent.id}/projects/${other}`), 204);
      assert.deepEqual(expectStatus(await root.get(`${invitations()}/${sent.id}`), 200).projects, [{ projectId, role: "owner", externalId: "urn:folded:pm" }]);
      const events = (await audit(sent.id)).map((e) => [e.action, e.project_id, JSON.parse(e.changes).projects?.to?.length]);
      assert.deepEqual(events, [
        ["invitation.sent", null, 0],
        ["invitation.updated", projectId, 1],
        ["invitation.updated", projectId, 1],
        ["invitation.updated", other, 2],
        ["invitation.updated", other, 1],
      ]);

      expectStatus(await root.delete(`${invitations()}/${sent.id}`), 204);
      const closed = expectStatus(await root.delete(`${invitations()}/${sent.id}/projects/${projectId}`), 409);
      assert.deepEqual([closed.code, closed.detail], ["invitation_closed", `invitation ${sent.id} was revoked; ask an admin of the organization for a new invitation`]);
      const unknown = expectStatus(await root.delete(`${invitations()}/inv_0000000000000000missing/projects/${projectId}`), 404);
      assert.equal(unknown.code, "not_found");
    });

    it("refuses a project add for a person with no account and no pending invitation, saying to add them to the organization first", async () => {
      const refused = expectStatus(await root.post(projectMembers(), { email: "stranger@join.test", role: "viewer" }), 400);
      assert.deepEqual(refused.errors, [
        {
          path: "email",
          message: `must be a member of organization ${orgId} first; stranger@join.test has no account and no pending invitation to it: add them to the organization first (POST /v1/organizations/${orgId}/members invites them), then add them here, which adds this project to that invitation`,
        },
      ]);
    });

    it("lets a project owner take their project out of an invitation, and nobody else's", async () => {
      const owner = await signIn("ola");
      expectStatus(await root.post(members(), { email: ACCOUNTS.ola.email, role: "member" }), 201);
      expectStatus(await root.post(projectMembers(), { email: ACCOUNTS.ola.email, role: "owner" }), 201);
      const theirs = await newProject("not-ola's");
      const sent = expectStatus(await root.post(invitations(), { email: "owned@join.test", role: "member", projects: [{ projectId, role: "viewer" }, { projectId: theirs, role: "viewer" }] }), 201);
      expectStatus(await owner.delete(`${invitations()}/${sent.id}/projects/${theirs}`), 404);
      expectStatus(await owner.delete(`${invitations()}/${sent.id}/projects/${projectId}`), 204);
      assert.deepEqual(expectStatus(await root.get(`${invitations()}/${sent.id}`), 200).projects, [{ projectId: theirs, role: "viewer" }]);
    });

    it("grants the organization and project roles with their externalIds at acceptance, claimed by the deployer that asked for them", async () => {
      const sent = expectStatus(await root.post(members(), { email: ACCOUNTS.nia.email, role: "billing", externalId: "urn:nia" }), 202);
      expectStatus(await root.post(projectMembers(), { email: ACCOUNTS.nia.email, role: "member", externalId: "urn:nia:chat" }), 202);
      const nia = await signIn("nia");
      const joined = expectStatus(await accept(nia, sent), 200);
      assert.deepEqual([joined.email, joined.role, joined.externalId], [ACCOUNTS.nia.email, "billing", "urn:nia"]);
      const inProject = expectStatus(await root.get(`${projectMembers()}/${joined.userId}`), 200);
      assert.deepEqual([inProject.role, inProject.externalId], ["member", "urn:nia:chat"]);
      const claims = [`${orgId}/${joined.userId}`, `${projectId}/${joined.userId}`];
      const mine = expectStatus(await root.get("/v1/claims?limit=100"), 200).data.map((c: { objectId: string }) => c.objectId);
      assert.deepEqual(claims.filter((c) => mine.includes(c)), claims);
      assert.deepEqual(expectStatus(await nia.get("/v1/claims"), 200).data, []);
      // Now the person has an account: adding them elsewhere is a membership at once.
      const elsewhere = expectStatus(await root.post("/v1/organizations", { name: `Nia's next ${dialect.name}` }), 201).id;
      expectStatus(await root.post(members(elsewhere), { email: ACCOUNTS.nia.email, role: "member" }), 201);
    });

    it("refuses an acceptance the organization's sign-in policy refuses: 403 sso_required, 403 mfa_required, and grants nothing", async () => {
      const sso = expectStatus(await root.post("/v1/organizations", { name: `Sso joiners ${dialect.name}`, securityPolicy: { sso: { enforced: true, protocol: "oidc", issuer: ELSEWHERE } } }), 201).id;
      const mfa = expectStatus(await root.post("/v1/organizations", { name: `Mfa joiners ${dialect.name}`, securityPolicy: { session: { requireMfa: true } } }), 201).id;
      const toSso = expectStatus(await root.post(members(sso), { email: ACCOUNTS.pia.email, role: "member" }), 202);
      const toMfa = expectStatus(await root.post(members(mfa), { email: ACCOUNTS.pia.email, role: "member" }), 202);
      const pia = await signIn("pia");
      const refusedSso = expectStatus(await accept(pia, toSso), 403);
      assert.equal(refusedSso.code, "sso_required");
      assert.match(refusedSso.detail, new RegExp(`requires a sign-in at its identity provider ${ELSEWHERE}`));
      const refusedMfa = expectStatus(await accept(pia, toMfa), 403);
      assert.equal(refusedMfa.code, "mfa_required");
      for (const [org, sent] of [[sso, toSso], [mfa, toMfa]]) {
        assert.equal(expectStatus(await root.get(`${invitations(org)}/${sent.id}`), 200).status, "pending");
        assert.deepEqual(expectStatus(await root.get(`${members(org)}?email=${ACCOUNTS.pia.email}`), 200).data, []);
      }
    });

    it("adds a person of a domain the organization provisions at sign-in at once (201), and their first sign-in links to that membership", async () => {
      const sso = { enforced: true, protocol: "oidc", issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, autoProvision: { role: "viewer" } };
      const org = expectStatus(await root.post("/v1/organizations", { name: `Auto joiners ${dialect.name}`, settings: { allowedEmailDomains: ["auto.test"] }, securityPolicy: { sso } }), 201).id;
      const m = expectStatus(await root.post(members(org), { email: ACCOUNTS.ray.email, role: "member", externalId: "urn:ray" }), 201);
      assert.deepEqual([m.email, m.role, m.externalId], [ACCOUNTS.ray.email, "member", "urn:ray"]);
      const ray = await signIn("ray");
      const me = expectStatus(await ray.get("/v1/me"), 200);
      assert.equal(me.user.id, m.userId);
      assert.deepEqual(me.organizations.filter((o: { id: string }) => o.id === org).map((o: { role: string }) => o.role), ["member"]);
      // Without autoProvision the same organization invites.
      expectStatus(await root.patch(`/v1/organizations/${org}`, { securityPolicy: { sso: { autoProvision: null } } }), 200);
      expectStatus(await root.post(members(org), { email: "later@auto.test", role: "member" }), 202);
    });

    it("names the pending invitation when an API key's owner has not accepted yet", async () => {
      const sent = expectStatus(await root.post(members(), { email: "keyless@join.test", role: "member" }), 202);
      expectStatus(await root.post(projectMembers(), { email: "keyless@join.test", role: "member" }), 202);
      const refused = expectStatus(await root.post(`/v1/organizations/${orgId}/projects/${projectId}/api-keys`, { name: "k", owner: "keyless@join.test" }), 400);
      assert.deepEqual(refused.errors, [
        {
          path: "owner",
          message: `must be the email of a member of project ${projectId}; keyless@join.test was invited to organization ${orgId} (invitation ${sent.id}) and has not accepted yet; a key can be owned once they have`,
        },
      ]);
    });

    it("replays an Idempotency-Key's invitation as 202 without its acceptUrl", async () => {
      const headers = { "idempotency-key": `member-invite-${dialect.name}` };
      const { acceptUrl, ...first } = expectStatus(await root.post(members(), { email: "replayed@join.test", role: "member" }, { headers }), 202);
      assert.ok(acceptUrl);
      assert.deepEqual(expectStatus(await root.post(members(), { email: "replayed@join.test", role: "member" }, { headers }), 202), first);
    });

    it("documents both success answers of the two add-member operations in /openapi.json", async () => {
      const doc = expectStatus(await call(backend.url, "GET", "/openapi.json", undefined), 200);
      const org = doc.paths["/v1/organizations/{orgId}/members"].post.responses;
      const project = doc.paths["/v1/organizations/{orgId}/projects/{projectId}/members"].post.responses;
      assert.deepEqual([Object.keys(org).filter((s) => s < "300"), Object.keys(project).filter((s) => s < "300")], [["201", "202"], ["201", "202"]]);
      assert.ok(org["202"].content["application/json"].schema.properties.acceptUrl, "the organization add's 202 carries acceptUrl");
      assert.equal(project["202"].content["application/json"].schema.properties.acceptUrl, undefined);
      assert.deepEqual(org["202"].content["application/json"].schema.required.includes("expiresAt"), true);
      assert.match(org["409"].description, /invitation_pending/);
      assert.ok(doc.paths["/v1/organizations/{orgId}/invitations/{invitationId}/projects/{projectId}"].delete.responses["204"]);
    });
  });
}
