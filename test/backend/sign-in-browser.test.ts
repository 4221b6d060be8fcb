import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { Browser, IdentityProvider, throughProvider, useIdentityProvider } from "../support/identity-provider";
import { client, expectStatus, sqlQuery, useBackend } from "./helpers";

/**
 * The browser sign-in: `GET /v1/auth/login?email=&returnTo=` → the identity provider (code + PKCE,
 * state, nonce) → `GET /v1/auth/callback` → the `tenancy_session` cookie and back to `returnTo`,
 * which may only be a path of this backend. Real backend, real OpenID Provider, HTTP as a browser.
 */

const ACCOUNTS = { ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] } };

for (const dialect of DIALECTS) {
  describe(`browser sign-in (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    const { backend } = useBackend({ dialect, env });
    let idp: IdentityProvider;
    before(() => (idp = provider()));

    const login = (browser: Browser, query: Record<string, string>) => browser.request(`${backend.url}/v1/auth/login?${new URLSearchParams(query)}`);

    it("sends the browser to the provider with PKCE, state and nonce, and back to returnTo with a session that is a signed-in token", async () => {
      const browser = new Browser();
      const start = await login(browser, { email: "Ana@Acme.test", returnTo: "/console/device?x=1#top" });
      assert.equal(start.status, 303, start.text);
      const authorization = new URL(start.location!);
      assert.equal(authorization.origin, idp.issuer);
      const params = Object.fromEntries(authorization.searchParams);
      assert.deepEqual(
        { ...params, state: typeof params.state, nonce: typeof params.nonce, code_challenge: params.code_challenge.length },
        { client_id: idp.clientId, redirect_uri: `${backend.url}/v1/auth/callback`, response_type: "code", scope: "openid email", code_challenge: 43, code_challenge_method: "S256", state: "string", nonce: "string", login_hint: "ana@acme.test" },
      );
      const callback = await throughProvider(browser, start.location!, "ana", backend.url);
      const back = await browser.request(callback);
      assert.equal(back.status, 303, back.text);
      assert.equal(back.location, `${backend.url}/console/device?x=1#top`);
      const cookie = back.headers.getSetCookie().find((c) => c.startsWith("tenancy_session="));
      assert.match(cookie ?? "", /^tenancy_session=tmt_[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
      const token = cookie!.split(";")[0].slice("tenancy_session=".length);
      const me = expectStatus(await client(backend, token).get("/v1/me"), 200);
      assert.equal(me.user.email, "ana@acme.test");
      assert.deepEqual({ ...expectStatus(await client(backend, token).get(`/v1/tokens/${me.token.id}`), 200).signIn, authTime: "…" }, { issuer: idp.issuer, subject: "ana", authTime: "…", mfa: true });
      assert.doesNotMatch(backend.logs(), new RegExp(token));
    });

    for (const [what, returnTo] of [
      ["another site", "https://evil.test/"],
      ["a scheme-relative URL", "//evil.test/phish"],
      ["a backslash a browser reads as a slash", "/\\evil.test"],
      ["a script URL", "javascript:alert(1)"],
      ["a relative path without a leading slash", "evil.test"],
      ["a control character", "/x\n//evil.test"],
    ] as const) {
      it(`refuses a returnTo that is ${what}, naming it, and starts no sign-in`, async () => {
        const before = await sqlQuery(backend, "SELECT count(*) AS n FROM sign_in_requests");
        const res = await login(new Browser(), { email: "ana@acme.test", returnTo });
        assert.equal(res.status, 400);
        assert.equal(res.location, undefined);
        assert.match(res.text, /returnTo must be a path of this site such as \/console, got &quot;/);
        assert.deepEqual(await sqlQuery(backend, "SELECT count(*) AS n FROM sign_in_requests"), before);
      });
    }

    it("refuses an email that is not one, naming it", async () => {
      const res = await login(new Browser(), { email: "not-an-email" });
      assert.equal(res.status, 400);
      assert.match(res.text, /email must be an email address such as ana@example\.com, got &quot;not-an-email&quot;/);
    });

    it("without returnTo, says who is signed in", async () => {
      const browser = new Browser();
      const start = await login(browser, { email: "ana@acme.test" });
      const done = await browser.request(await throughProvider(browser, start.location!, "ana", backend.url));
      assert.equal(done.status, 200);
      assert.match(done.text, /You are signed in as ana@acme\.test/);
      assert.ok(done.headers.getSetCookie().some((c) => c.startsWith("tenancy_session=tmt_")));
    });
  });
}
