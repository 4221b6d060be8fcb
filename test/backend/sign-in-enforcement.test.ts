import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { IdentityProvider, useIdentityProvider } from "../support/identity-provider";
import { Api, call, client, expectStatus, mintToken, useBackend } from "./helpers";
import { signInAs } from "./signed-in";

/**
 * What organizations declare about sign-in, enforced (issue 22): `securityPolicy.sso.enforced`
 * refuses a person's token that did not come from a sign-in at the organization's identity
 * provider (403 `sso_required`), `session.requireMfa` one from a sign-in without a second factor
 * (403 `mfa_required`); both leave the organization out of that caller's lists. The tokens come
 * from real sign-ins at a real OpenID Provider (oidc-provider on 127.0.0.1).
 */

const ACCOUNTS = {
  ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] },
  ben: { email: "ben@acme.test", emailVerified: true, amr: ["pwd"] },
};
// An identity provider that is not this backend's: no token here ever comes from a sign-in there.
const ELSEWHERE = "https://idp.elsewhere.test";

for (const dialect of DIALECTS) {
  describe(`sign-in policy enforced (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    const { backend, root } = useBackend({ dialect, env });
    let idp: IdentityProvider;
    /** Signed in with a second factor, and with a password only. */
    let ana: Api;
    let ben: Api;

    before(async () => {
      idp = provider();
      ana = client(backend, await signInAs(backend, idp, "ana", ACCOUNTS.ana.email));
      ben = client(backend, await signInAs(backend, idp, "ben", ACCOUNTS.ben.email));
    });

    /** An organization made by the bootstrap admin (a break-glass token, exempt), with ana and ben as admins and owners of its project. */
    async function organization(name: string, securityPolicy: unknown) {
      const org = expectStatus(await root.post("/v1/organizations", { name, securityPolicy }), 201);
      const project = expectStatus(await root.post(`/v1/organizations/${org.id}/projects`, { name: "chat", environment: "development" }), 201);
      for (const email of [ACCOUNTS.ana.email, ACCOUNTS.ben.email]) {
        expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email, role: "admin" }), 201);
        expectStatus(await root.post(`/v1/organizations/${org.id}/projects/${project.id}/members`, { email, role: "owner" }), 201);
      }
      return { id: org.id as string, projectId: project.id as string };
    }

    const signInHint = (email: string, issuer?: string) => ({ ...(issuer ? { issuer } : {}), url: `${backend.url}/v1/auth/device`, command: `tenancy login --endpoint ${backend.url} --email ${email}` });

    async function listed(api: Api) {
      const me = expectStatus(await api.get("/v1/me"), 200);
      const orgs = expectStatus(await api.get("/v1/organizations?limit=100"), 200);
      return { me: me.organizations.map((o: any) => o.id), meProjects: me.projects.map((p: any) => p.organizationId), list: orgs.data.map((o: any) => o.id) };
    }

    it("refuses a token from a sign-in at another provider with 403 sso_required and how to sign in, and leaves the organization out of that person's lists", async () => {
      const org = await organization("Elsewhere Co", { sso: { enforced: true, protocol: "oidc", issuer: ELSEWHERE } });
      const detail = `organization "Elsewhere Co" (${org.id}) requires a sign-in at its identity provider ${ELSEWHERE} (securityPolicy.sso.enforced); your token comes from a sign-in at ${idp.issuer}: sign in again with tenancy login --endpoint ${backend.url} --email ana@acme.test, then use the token it stores`;
      for (const path of [`/v1/organizations/${org.id}`, `/v1/organizations/${org.id}/projects/${org.projectId}`, `/v1/projects/${org.projectId}`]) {
        const res = await ana.get(path);
        assert.equal(res.status, 403, path);
        assert.deepEqual({ ...res.body, requestId: typeof res.body.requestId }, {
          type: "https://tenancy.dev/problems/sso-required",
          title: "SSO required",
          status: 403,
          detail,
          code: "sso_required",
          signIn: signInHint("ana@acme.test", ELSEWHERE),
          requestId: "string",
        });
      }
      const seen = await listed(ana);
      for (const ids of Object.values(seen)) assert.ok(!ids.includes(org.id), JSON.stringify(seen));
      // The bootstrap admin's break-glass token is exempt, and sees it.
      expectStatus(await root.get(`/v1/organizations/${org.id}`), 200);
    });

    it("lets a token from a sign-in at the organization's provider in; one that names none uses the instance's (TENANCY_OIDC_ISSUER)", async () => {
      const own = await organization("Own Idp Co", { sso: { enforced: true, protocol: "oidc", issuer: idp.issuer } });
      const instance = await organization("Instance Idp Co", { sso: { enforced: true, protocol: "oidc" } });
      for (const org of [own, instance]) {
        for (const api of [ana, ben]) {
          expectStatus(await api.get(`/v1/organizations/${org.id}/projects/${org.projectId}`), 200);
          const seen = await listed(api);
          for (const ids of Object.values(seen)) assert.ok(ids.includes(org.id), JSON.stringify(seen));
        }
      }
    });

    it("refuses a sign-in without a second factor with 403 mfa_required where the organization requires MFA, also for tokens minted from it", async () => {
      const org = await organization("Mfa Co", { sso: { enforced: true, protocol: "oidc" }, session: { requireMfa: true } });
      const child = client(backend, expectStatus(await ben.post("/v1/tokens", { name: "minted" }), 201).token);
      for (const api of [ben, child]) {
        const res = await api.get(`/v1/organizations/${org.id}/projects/${org.projectId}`);
        assert.equal(res.status, 403);
        assert.deepEqual({ ...res.body, requestId: typeof res.body.requestId }, {
          type: "https://tenancy.dev/problems/mfa-required",
          title: "MFA required",
          status: 403,
          detail: `organization "Mfa Co" (${org.id}) requires a sign-in with more than one factor (securityPolicy.session.requireMfa); the identity provider asserted no second factor (amr) at the sign-in your token comes from: sign in again with tenancy login --endpoint ${backend.url} --email ben@acme.test, then use the token it stores, completing a second factor there`,
          code: "mfa_required",
          signIn: signInHint("ben@acme.test", idp.issuer),
          requestId: "string",
        });
        const seen = await listed(api);
        for (const ids of Object.values(seen)) assert.ok(!ids.includes(org.id), JSON.stringify(seen));
      }
      expectStatus(await ana.get(`/v1/organizations/${org.id}/projects/${org.projectId}`), 200);
      assert.ok((await listed(ana)).me.includes(org.id));
    });

    it("exempts service accounts and the operator's break-glass tokens (minted on the server host), and /v1/me says which a token is", async () => {
      const org = await organization("Strict Co", { sso: { enforced: true, protocol: "oidc", issuer: ELSEWHERE }, session: { requireMfa: true } });
      const sa = expectStatus(await root.post(`/v1/organizations/${org.id}/service-accounts`, { name: "deployer", role: "admin" }), 201);
      const robot = client(backend, expectStatus(await root.post(`/v1/organizations/${org.id}/service-accounts/${sa.userId}/tokens`, { name: "ci" }), 201).token);
      const host = client(backend, await mintToken(backend, ACCOUNTS.ben.email));
      for (const api of [robot, host, root]) expectStatus(await api.get(`/v1/organizations/${org.id}/projects/${org.projectId}`), 200);
      assert.deepEqual(expectStatus(await host.get("/v1/me"), 200).token.breakGlass, true);
      assert.deepEqual(expectStatus(await robot.get("/v1/me"), 200).token.breakGlass, false);
      // A token from no sign-in says none: no signIn at all, not one with only mfa false.
      assert.equal("signIn" in expectStatus(await host.get("/v1/me"), 200).token, false);
      assert.equal("signIn" in expectStatus(await robot.get("/v1/me"), 200).token, false);
      const signedIn = expectStatus(await ana.get("/v1/me"), 200).token;
      assert.equal(signedIn.breakGlass, false);
      assert.deepEqual({ ...signedIn.signIn, authTime: typeof signedIn.signIn.authTime }, { issuer: idp.issuer, subject: "ana", authTime: "string", mfa: true });
    });

    it("refuses every organization and project route alike, before reading the body or the object named", async () => {
      const org = await organization("Every Route Co", { session: { requireMfa: true } });
      const doc = expectStatus(await call(backend.url, "GET", "/openapi.json", undefined), 200);
      const fill: Record<string, string> = { orgId: org.id, projectId: org.projectId, userId: "user_00000000nothere", keyId: "key_00000000nothere", tokenId: "tok_00000000nothere", invitationId: "inv_00000000nothere" };
      const checked: string[] = [];
      const wrong: string[] = [];
      for (const [template, ops] of Object.entries(doc.paths as Record<string, Record<string, { "x-tenancy-scope"?: string }>>)) {
        for (const [method, op] of Object.entries(ops)) {
          if (op["x-tenancy-scope"] !== "organization" && op["x-tenancy-scope"] !== "project") continue;
          const path = template.replace(/\{(\w+)\}/g, (_, name: string) => fill[name] ?? assert.fail(`no id for {${name}} in ${template}`));
          const res = await call(backend.url, method.toUpperCase(), path, ben.token, { body: method === "get" || method === "delete" ? undefined : {} });
          checked.push(`${method} ${template}`);
          if (res.status !== 403 || res.body.code !== "mfa_required") wrong.push(`${method.toUpperCase()} ${template}: ${res.status} ${res.text.slice(0, 120)}`);
        }
      }
      assert.ok(checked.length > 25, `only ${checked.length} organization and project operations found`);
      assert.deepEqual(wrong, []);
    });

    describe("turning a policy on that would lock out the admin doing it", () => {
      it("refuses requireMfa from a sign-in without a second factor, naming the field, at create and at PATCH, and changes nothing", async () => {
        const created = await ben.post("/v1/organizations", { name: "Ben Mfa Co", securityPolicy: { session: { requireMfa: true } } });
        const message = `cannot be true while your token comes from a sign-in without a second factor, or you would lock yourself out; or first sign in again with tenancy login --endpoint ${backend.url} --email ben@acme.test, completing a second factor`;
        assert.equal(created.status, 400);
        assert.deepEqual(created.body.errors, [{ path: "securityPolicy.session.requireMfa", message }]);
        assert.deepEqual(expectStatus(await ben.get("/v1/organizations?name=Ben%20Mfa%20Co"), 200).data, []);

        const org = expectStatus(await ben.post("/v1/organizations", { name: "Ben Co" }), 201);
        const patched = await ben.patch(`/v1/organizations/${org.id}`, { securityPolicy: { session: { requireMfa: true } } });
        assert.equal(patched.status, 400);
        assert.deepEqual(patched.body.errors, [{ path: "securityPolicy.session.requireMfa", message }]);
        assert.deepEqual(expectStatus(await ben.get(`/v1/organizations/${org.id}`), 200).securityPolicy.session, { requireMfa: false });
        // With a second factor, the same change goes through.
        expectStatus(await ben.post(`/v1/organizations/${org.id}/members`, { email: ACCOUNTS.ana.email, role: "admin" }), 201);
        expectStatus(await ana.patch(`/v1/organizations/${org.id}`, { securityPolicy: { session: { requireMfa: true } } }), 200);
      });

      it("refuses sso.enforced at another provider than the admin's sign-in, naming sso.enforced, then sso.issuer once it is on", async () => {
        const refused = await ana.post("/v1/organizations", { name: "Ana Elsewhere Co", securityPolicy: { sso: { enforced: true, protocol: "oidc", issuer: ELSEWHERE } } });
        assert.equal(refused.status, 400);
        assert.deepEqual(refused.body.errors, [
          {
            path: "securityPolicy.sso.enforced",
            message: `cannot be true while your token comes from a sign-in at ${idp.issuer}, not at this organization's identity provider ${ELSEWHERE}, or you would lock yourself out; or first sign in there with tenancy login --endpoint ${backend.url} --email ana@acme.test`,
          },
        ]);
        const org = expectStatus(await ana.post("/v1/organizations", { name: "Ana Sso Co", securityPolicy: { sso: { enforced: true, protocol: "oidc" } } }), 201);
        const moved = await ana.patch(`/v1/organizations/${org.id}`, { securityPolicy: { sso: { issuer: ELSEWHERE } } });
        assert.equal(moved.status, 400);
        assert.deepEqual(moved.body.errors, [
          {
            path: "securityPolicy.sso.issuer",
            message: `must stay ${idp.issuer}, the identity provider your token comes from, while sso.enforced is true, or you would lock yourself out; or first sign in there with tenancy login --endpoint ${backend.url} --email ana@acme.test`,
          },
        ]);
        assert.deepEqual(expectStatus(await ana.get(`/v1/organizations/${org.id}`), 200).securityPolicy.sso, { enforced: true, protocol: "oidc" });
      });
    });
  });
}
