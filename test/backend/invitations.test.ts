import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { Browser, IdentityProvider, signInAtProvider, useIdentityProvider } from "../support/identity-provider";
import { Api, call, client, expectStatus, ISO, mintToken, sqlQuery, useBackend } from "./helpers";

/**
 * Invitations (issue 22 item 3): sent by an admin, accepted by the signed-in person whose verified
 * email they name (a real OpenID Provider signs people in through the device grant), refused
 * clearly once accepted, expired or revoked, and audited.
 */

const ACCOUNTS = {
  ivy: { email: "ivy@invited.test", emailVerified: true, amr: ["pwd"] },
  mal: { email: "mal@invited.test", emailVerified: true, amr: ["pwd"] },
  jon: { email: "jon@invited.test", emailVerified: true, amr: ["pwd"] },
  kim: { email: "kim@invited.test", emailVerified: true, amr: ["pwd"] },
  lee: { email: "lee@invited.test", emailVerified: true, amr: ["pwd"] },
  dee: { email: "dee@invited.test", emailVerified: true, amr: ["pwd"] },
  max: { email: "max@invited.test", emailVerified: true, amr: ["pwd"] },
};
type AccountId = keyof typeof ACCOUNTS;

for (const dialect of DIALECTS) {
  describe(`invitations (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    const { backend, root } = useBackend({ dialect, env });
    let idp: IdentityProvider;
    let orgId: string;
    let projectId: string;
    const signedIn = {} as Record<AccountId, Api>;

    /** The person signs in with `tenancy login`'s device grant, as a browser and a command line would. */
    async function signIn(as: AccountId): Promise<Api> {
      const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: ACCOUNTS[as].email } }), 200);
      const { browser, callback } = await signInAtProvider(new Browser(), device, as, idp.issuer, backend.url);
      assert.equal((await browser.request(callback)).status, 200);
      return client(backend, expectStatus(await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } }), 200).token);
    }

    const invite = async (body: Record<string, unknown>) => expectStatus(await root.post(`/v1/organizations/${orgId}/invitations`, body), 201);
    const accept = (api: Api, sent: { id: string; acceptUrl: string }) => api.post(`/v1/invitations/${sent.id}/accept?code=${codeOf(sent)}`);
    const codeOf = (sent: { acceptUrl: string }) => new URL(sent.acceptUrl).searchParams.get("code")!;
    const audit = (id: string) => sqlQuery(backend, "SELECT action, actor_email, changes FROM audit_events WHERE target_id = $1 ORDER BY at, id", [id]);

    /** The log once it holds a line with `fragment` (lines are written in blocks, a moment after the answer). */
    async function loggedOnce(fragment: string): Promise<string> {
      while (!backend.logs().includes(fragment)) await new Promise((resolve) => setTimeout(resolve, 20));
      return backend.logs();
    }

    before(async () => {
      idp = provider();
      orgId = expectStatus(await root.post("/v1/organizations", { name: `Invites ${dialect.name}` }), 201).id;
      projectId = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "chat-dev", environment: "development" }), 201).id;
      signedIn.mal = await signIn("mal");
    });

    it("sends an invitation whose acceptUrl is shown once, stored only as a hash and audited without it", async () => {
      const sent = await invite({ email: "Ivy@Invited.test", role: "billing", projects: [{ projectId, role: "viewer" }], expiresInDays: 3 });
      assert.match(sent.id, /^inv_/);
      assert.match(sent.createdAt, ISO);
      assert.equal(Date.parse(sent.expiresAt) - Date.parse(sent.createdAt), 3 * 86_400_000);
      assert.match(sent.acceptUrl, new RegExp(`^${backend.url}/v1/invitations/${sent.id}/accept\\?code=tiv_[0-9A-Za-z]{49}$`));
      const me = expectStatus(await root.get("/v1/me"), 200).user;
      const shown = { id: sent.id, organizationId: orgId, email: "ivy@invited.test", role: "billing", projects: [{ projectId, role: "viewer" }], status: "pending", expiresAt: sent.expiresAt, invitedBy: { userId: me.id, email: me.email }, createdAt: sent.createdAt };
      assert.deepEqual(sent, { ...shown, acceptUrl: sent.acceptUrl });
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200), shown);
      const listed = expectStatus(await root.get(`/v1/organizations/${orgId}/invitations?email=ivy@invited.test`), 200);
      assert.deepEqual(listed, { data: [shown], hasMore: false, nextCursor: null });
      const [event] = await audit(sent.id);
      assert.deepEqual({ ...event, changes: JSON.parse(event.changes) }, {
        action: "invitation.sent",
        actor_email: me.email,
        changes: { email: { from: null, to: "ivy@invited.test" }, role: { from: null, to: "billing" }, projects: { from: null, to: [{ projectId, role: "viewer" }] }, expiresAt: { from: null, to: sent.expiresAt } },
      });
      const code = codeOf(sent);
      const [row] = await sqlQuery(backend, "SELECT code_hash FROM invitations WHERE id = $1", [sent.id]);
      assert.notEqual(row.code_hash, code);
      assert.equal(JSON.stringify(await sqlQuery(backend, "SELECT * FROM invitations")).includes(code), false);
      assert.equal(JSON.stringify(await sqlQuery(backend, "SELECT * FROM audit_events")).includes(code), false);
      assert.doesNotMatch(backend.logs(), new RegExp(code));
    });

    it("replays an Idempotency-Key's invitation without its acceptUrl, and never stores the link", async () => {
      const body = { email: "replay@invited.test", role: "member" };
      const first = expectStatus(await root.post(`/v1/organizations/${orgId}/invitations`, body, { headers: { "idempotency-key": `inv-${dialect.name}` } }), 201);
      const again = expectStatus(await root.post(`/v1/organizations/${orgId}/invitations`, body, { headers: { "idempotency-key": `inv-${dialect.name}` } }), 200);
      const { acceptUrl, ...rest } = first;
      assert.deepEqual(again, rest);
      assert.equal(JSON.stringify(await sqlQuery(backend, "SELECT response FROM idempotency_keys")).includes(codeOf({ acceptUrl })), false);
    });

    it("refuses bad invitations naming the field, and an address that is already a member", async () => {
      const bad = await root.post(`/v1/organizations/${orgId}/invitations`, { email: "x@invited.test", role: "owner", projects: [{ projectId: "proj_doesnotexist1", role: "viewer" }], expiresInDays: 31 });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ["expiresInDays", "role"]);
      assert.deepEqual((await root.post(`/v1/organizations/${orgId}/invitations`, { email: "x@invited.test", role: "member", expiresInDays: 0 })).body.errors, [{ path: "expiresInDays", message: "must be at least 1 day" }]);
      const elsewhere = await root.post(`/v1/organizations/${orgId}/invitations`, { email: "x@invited.test", role: "member", projects: [{ projectId: "proj_doesnotexist1", role: "viewer" }] });
      assert.deepEqual(elsewhere.body.errors, [{ path: "projects[0].projectId", message: `must be a project of organization ${orgId}; proj_doesnotexist1 is not` }]);
      const admin = expectStatus(await root.get("/v1/me"), 200).user.email;
      const member = await root.post(`/v1/organizations/${orgId}/invitations`, { email: admin, role: "member" });
      assert.equal(member.status, 409);
      assert.equal(member.body.code, "member_exists");
    });

    it("applies the organization's allowed email domains at invite time", async () => {
      const fenced = expectStatus(await root.post("/v1/organizations", { name: `Fenced ${dialect.name}`, settings: { allowedEmailDomains: ["acme.test"] } }), 201).id;
      const outside = await root.post(`/v1/organizations/${fenced}/invitations`, { email: "ivy@invited.test", role: "member" });
      assert.equal(outside.status, 400);
      assert.deepEqual(outside.body.errors, [{ path: "email", message: "must be an address at acme.test (settings.allowedEmailDomains)" }]);
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${fenced}/invitations`), 200).data, []);
    });

    it("lets the signed-in invitee accept: the organization and project roles are granted at once, and the invitation is spent", async () => {
      const sent = await invite({ email: "jon@invited.test", role: "member", projects: [{ projectId, role: "owner" }] });
      const jon = await signIn("jon");
      const joined = expectStatus(await accept(jon, sent), 200);
      const jonId = expectStatus(await jon.get("/v1/me"), 200).user.id;
      assert.deepEqual({ ...joined, createdAt: "…", updatedAt: "…" }, { userId: jonId, email: "jon@invited.test", kind: "person", role: "member", organizationId: orgId, createdAt: "…", updatedAt: "…", version: 1 });
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/projects/${projectId}/members/${jonId}`), 200).role, "owner");
      const read = expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200);
      assert.equal(read.status, "accepted");
      assert.match(read.acceptedAt, ISO);
      assert.deepEqual((await audit(sent.id)).map((e) => [e.action, e.actor_email]), [["invitation.sent", expectStatus(await root.get("/v1/me"), 200).user.email], ["invitation.accepted", "jon@invited.test"]]);
      const again = await accept(jon, sent);
      assert.equal(again.status, 409);
      assert.equal(again.body.code, "invitation_closed");
      assert.equal(again.body.detail, `invitation ${sent.id} was already accepted at ${read.acceptedAt}; ask an admin of the organization for a new invitation`);
      // The link travelled in a request URL: once its line is written, the log shows it scrubbed.
      assert.match(await loggedOnce(`/v1/invitations/${sent.id}/accept?code=`), new RegExp(`/v1/invitations/${sent.id}/accept\\?code=tiv_\\[redacted\\]`));
      assert.doesNotMatch(backend.logs(), new RegExp(codeOf(sent)));
      const revoke = await root.delete(`/v1/organizations/${orgId}/invitations/${sent.id}`);
      assert.equal(revoke.status, 409);
      assert.equal(revoke.body.code, "invitation_closed");
    });

    it("passes over a project archived since the invitation was sent, granting the rest", async () => {
      const doomed = expectStatus(await root.post(`/v1/organizations/${orgId}/projects`, { name: "doomed-dev", environment: "development" }), 201).id;
      const sent = await invite({ email: "kim@invited.test", role: "member", projects: [{ projectId: doomed, role: "owner" }, { projectId, role: "viewer" }] });
      expectStatus(await root.delete(`/v1/organizations/${orgId}/projects/${doomed}`), 204);
      const kim = expectStatus(await accept(await signIn("kim"), sent), 200);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/projects/${projectId}/members/${kim.userId}`), 200).role, "viewer");
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${orgId}/projects/${doomed}/members?email=kim@invited.test`), 200).data, []);
    });

    it("refuses an invitee who became a member meanwhile, granting nothing and leaving the invitation pending", async () => {
      const sent = await invite({ email: "lee@invited.test", role: "admin", projects: [{ projectId, role: "owner" }] });
      const lee = await signIn("lee");
      const leeId = expectStatus(await lee.get("/v1/me"), 200).user.id;
      expectStatus(await root.post(`/v1/organizations/${orgId}/members`, { email: "lee@invited.test", role: "viewer" }), 201);
      const refused = await accept(lee, sent);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, "member_exists");
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/members/${leeId}`), 200).role, "viewer");
      assert.equal((await root.get(`/v1/organizations/${orgId}/projects/${projectId}/members/${leeId}`)).status, 404);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200).status, "pending");
    });

    it("lets one of two concurrent accepts join; the other is refused and nothing is granted twice", async () => {
      const sent = await invite({ email: "max@invited.test", role: "member", projects: [{ projectId, role: "member" }] });
      const max = await signIn("max");
      const answers = await Promise.all([accept(max, sent), accept(max, sent)]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
      assert.equal(answers.find((a) => a.status === 409)!.body.code, "invitation_closed");
      assert.deepEqual((await audit(sent.id)).map((e) => e.action), ["invitation.sent", "invitation.accepted"]);
      const added = await sqlQuery(backend, "SELECT action FROM audit_events WHERE action = 'member.added' AND actor_email = 'max@invited.test'");
      assert.equal(added.length, 2, "one organization and one project membership");
    });

    it("is a 404 once its organization is deleted", async () => {
      const gone = expectStatus(await root.post("/v1/organizations", { name: `Gone ${dialect.name}` }), 201).id;
      const sent = expectStatus(await root.post(`/v1/organizations/${gone}/invitations`, { email: "dee@invited.test", role: "member" }), 201);
      expectStatus(await root.delete(`/v1/organizations/${gone}`), 204);
      const res = await accept(await signIn("dee"), sent);
      assert.equal(res.status, 404);
      assert.equal(res.body.detail, `invitation "${sent.id}" not found`);
    });

    it("is a 404 to anyone else signed in, to a wrong code and to an unknown id, and changes nothing", async () => {
      const sent = await invite({ email: "ivy@invited.test", role: "member" });
      const someoneElse = await accept(signedIn.mal, sent);
      assert.equal(someoneElse.status, 404);
      assert.equal(someoneElse.body.detail, `invitation "${sent.id}" not found`);
      const ivy = await signIn("ivy");
      // The code with its last character changed (to "x", or "y" when it already ends in "x").
      const code = codeOf(sent);
      const wrongCode = await ivy.post(`/v1/invitations/${sent.id}/accept?code=${code.slice(0, -1)}${code.endsWith("x") ? "y" : "x"}`);
      assert.equal(wrongCode.status, 404);
      assert.equal(wrongCode.body.detail, `invitation "${sent.id}" not found`);
      assert.equal((await ivy.post(`/v1/invitations/inv_doesnotexist00/accept?code=${codeOf(sent)}`)).status, 404);
      const noCode = await ivy.post(`/v1/invitations/${sent.id}/accept`);
      assert.equal(noCode.status, 400);
      assert.deepEqual(noCode.body.errors.map((e: { path: string }) => e.path), ["code"]);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200).status, "pending");
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${orgId}/members?email=ivy@invited.test`), 200).data, []);
    });

    it("refuses the invitee's token that did not come from a sign-in, saying how to sign in", async () => {
      const sent = await invite({ email: "hostminted@invited.test", role: "member" });
      const res = await accept(client(backend, await mintToken(backend, "hostminted@invited.test")), sent);
      assert.equal(res.status, 403);
      assert.equal(res.body.detail, `accept invitation ${sent.id} signed in as hostminted@invited.test (tenancy login): a management token that did not come from a sign-in does not prove that the address is yours`);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200).status, "pending");
    });

    it("marks an invitation expired when first seen past its expiry, audits that once, and refuses accepting it", async () => {
      const sent = await invite({ email: "mal@invited.test", role: "member", expiresInDays: 1 });
      await sqlQuery(backend, "UPDATE invitations SET expires_at = $1 WHERE id = $2", [new Date(Date.now() - 1000).toISOString(), sent.id]);
      const expired = await sqlQuery(backend, "SELECT expires_at FROM invitations WHERE id = $1", [sent.id]);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations?status=expired&email=mal@invited.test`), 200).data[0].id, sent.id);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200).status, "expired");
      const refused = await accept(signedIn.mal, sent);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.detail, `invitation ${sent.id} expired at ${expired[0].expires_at}; ask an admin of the organization for a new invitation`);
      assert.deepEqual((await audit(sent.id)).map((e) => e.action), ["invitation.sent", "invitation.expired"]);
      expectStatus(await root.delete(`/v1/organizations/${orgId}/invitations/${sent.id}`), 204);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200).status, "expired");
    });

    it("revokes a pending invitation once (audited), after which accepting is refused; re-sending is a new invitation", async () => {
      const sent = await invite({ email: "mal@invited.test", role: "viewer" });
      expectStatus(await root.delete(`/v1/organizations/${orgId}/invitations/${sent.id}`), 204);
      expectStatus(await root.delete(`/v1/organizations/${orgId}/invitations/${sent.id}`), 204);
      assert.equal(expectStatus(await root.get(`/v1/organizations/${orgId}/invitations/${sent.id}`), 200).status, "revoked");
      const refused = await accept(signedIn.mal, sent);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.detail, `invitation ${sent.id} was revoked; ask an admin of the organization for a new invitation`);
      assert.deepEqual((await audit(sent.id)).map((e) => e.action), ["invitation.sent", "invitation.revoked"]);
      const again = await invite({ email: "mal@invited.test", role: "viewer" });
      assert.notEqual(again.id, sent.id);
      assert.equal(expectStatus(await accept(signedIn.mal, again), 200).role, "viewer");
    });

    it("lists page by page, oldest first, and filters by status", async () => {
      const listed = expectStatus(await root.get(`/v1/organizations/${orgId}/invitations?limit=100`), 200).data;
      const first = expectStatus(await root.get(`/v1/organizations/${orgId}/invitations?limit=2`), 200);
      assert.deepEqual(first.data, listed.slice(0, 2));
      assert.equal(first.hasMore, true);
      const second = expectStatus(await root.get(`/v1/organizations/${orgId}/invitations?limit=2&after=${first.nextCursor}`), 200);
      assert.deepEqual(second.data, listed.slice(2, 4));
      for (const status of ["pending", "accepted", "revoked", "expired"]) {
        const only = expectStatus(await root.get(`/v1/organizations/${orgId}/invitations?limit=100&status=${status}`), 200).data;
        assert.deepEqual(only, listed.filter((x: { status: string }) => x.status === status), status);
      }
    });
  });
}
