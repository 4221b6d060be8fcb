import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { Browser, Device, IdentityProvider, signInAtProvider, useIdentityProvider } from "../support/identity-provider";
import { call, client, expectStatus, ISO, mintToken, sqlQuery, useBackend } from "./helpers";

/**
 * Sign-in with OpenID Connect through the device authorization grant (RFC 8628), end to end: the
 * real backend, a real OpenID Provider (oidc-provider) on 127.0.0.1, the verification page and
 * the provider's forms driven with plain HTTP as a browser would.
 */

const ACCOUNTS = {
  ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] },
  ben: { email: "ben@acme.test", emailVerified: true, amr: ["pwd"] },
  eve: { email: "eve@acme.test", emailVerified: false, amr: ["pwd"] },
};
type AccountId = keyof typeof ACCOUNTS;

for (const dialect of DIALECTS) {
  describe(`sign-in with the device grant (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    const { backend } = useBackend({ dialect, env });
    let idp: IdentityProvider;
    before(() => (idp = provider()));

    const start = async (email: string) => expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email } }), 200);
    /** A poll that respects the interval: the last poll is moved back past it, instead of waiting. */
    async function poll(deviceCode: string) {
      await sqlQuery(backend, "UPDATE device_authorizations SET polled_at = $1 WHERE polled_at IS NOT NULL", [new Date(Date.now() - 3600_000).toISOString()]);
      return call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode } });
    }

    const visit = (device: Device, as: AccountId | "deny", browser = new Browser()) => signInAtProvider(browser, device, as, idp.issuer, backend.url);

    const failures = () => sqlQuery(backend, "SELECT actor_email, changes FROM audit_events WHERE action = 'login.failed' ORDER BY at");

    it("signs a person in: the token records issuer, subject, auth_time and MFA, links the existing user, and tokens minted from it inherit them", async () => {
      const existing = expectStatus(await client(backend, await mintToken(backend, "ana@acme.test")).get("/v1/me"), 200).user.id;
      const device = await start("Ana@Acme.test");
      assert.match(device.userCode, /^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
      assert.deepEqual({ ...device, deviceCode: typeof device.deviceCode, userCode: typeof device.userCode }, {
        deviceCode: "string",
        userCode: "string",
        verificationUri: `${backend.url}/console/device`,
        verificationUriComplete: `${backend.url}/console/device?user_code=${encodeURIComponent(device.userCode)}`,
        expiresIn: 600,
        interval: 5,
      });
      const pending = await poll(device.deviceCode);
      assert.equal(pending.status, 400);
      assert.equal(pending.body.code, "authorization_pending");

      const { browser, callback } = await visit(device, "ana");
      const done = await browser.request(callback);
      assert.equal(done.status, 200, done.text);
      assert.match(done.text, /signed in as ana@acme\.test/);
      assert.match(done.text, /You may close this window/);

      const signedIn = expectStatus(await poll(device.deviceCode), 200);
      assert.match(signedIn.token, /^tmt_/);
      assert.match(signedIn.expiresAt, ISO);
      assert.match(signedIn.signIn.authTime, ISO);
      assert.deepEqual({ ...signedIn, token: "…", expiresAt: "…", signIn: { ...signedIn.signIn, authTime: "…" } }, {
        token: "…",
        expiresAt: "…",
        user: { id: existing, email: "ana@acme.test" },
        signIn: { issuer: idp.issuer, subject: "ana", authTime: "…", mfa: true },
      });
      const ana = client(backend, signedIn.token);
      const me = expectStatus(await ana.get("/v1/me"), 200);
      assert.equal(me.user.id, existing);
      assert.deepEqual(expectStatus(await ana.get(`/v1/tokens/${me.token.id}`), 200).signIn, signedIn.signIn);
      const child = expectStatus(await ana.post("/v1/tokens", { name: "ci" }), 201);
      assert.deepEqual(child.signIn, signedIn.signIn);

      const used = await poll(device.deviceCode);
      assert.equal(used.status, 400);
      assert.deepEqual(used.body.errors, [{ path: "deviceCode", message: "was used already: it yields one token; start again with POST /v1/auth/device (tenancy login)" }]);
      const [event] = await sqlQuery(backend, "SELECT actor_user_id, changes FROM audit_events WHERE action = 'login.succeeded'");
      assert.equal(event.actor_user_id, existing);
      assert.deepEqual(JSON.parse(event.changes), { issuer: { from: null, to: idp.issuer }, subject: { from: null, to: "ana" }, mfa: { from: null, to: true } });
      assert.doesNotMatch(backend.logs(), new RegExp(signedIn.token));
    });

    it("matches a later sign-in on issuer and subject, and records a sign-in without MFA as such", async () => {
      const first = await start("ben@acme.test");
      const a = await visit(first, "ben");
      assert.equal((await a.browser.request(a.callback)).status, 200);
      const one = expectStatus(await poll(first.deviceCode), 200);
      assert.equal(one.signIn.mfa, false);
      // The address changes hands at tenancy; the provider's subject still names the same person.
      await sqlQuery(backend, "UPDATE users SET email = 'benjamin@acme.test' WHERE id = $1", [one.user.id]);
      const second = await start("ben@acme.test");
      const b = await visit(second, "ben");
      assert.equal((await b.browser.request(b.callback)).status, 200);
      const two = expectStatus(await poll(second.deviceCode), 200);
      assert.deepEqual(two.user, { id: one.user.id, email: "benjamin@acme.test" });
    });

    it("answers slow_down to a poll within the interval, and the interval grows by 5 seconds", async () => {
      const device = await start("ana@acme.test");
      assert.equal((await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } })).body.code, "authorization_pending");
      const fast = await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } });
      assert.equal(fast.status, 400);
      assert.equal(fast.body.code, "slow_down");
      assert.equal(fast.body.detail, "polled sooner than every 5 seconds; wait 10 seconds between polls from now on");
      const [row] = await sqlQuery(backend, "SELECT interval_seconds, status FROM device_authorizations WHERE user_code = $1", [device.userCode]);
      assert.deepEqual({ ...row, interval_seconds: Number(row.interval_seconds) }, { interval_seconds: 10, status: "pending" });
    });

    it("answers expired_token once the device code expired, and the verification page no longer knows the code", async () => {
      const device = await start("ana@acme.test");
      await sqlQuery(backend, "UPDATE device_authorizations SET expires_at = $1 WHERE user_code = $2", [new Date(Date.now() - 1000).toISOString(), device.userCode]);
      const expired = await poll(device.deviceCode);
      assert.equal(expired.status, 400);
      assert.equal(expired.body.code, "expired_token");
      const page = await new Browser().request(device.verificationUriComplete);
      assert.equal(page.status, 404);
      assert.match(page.text, /is unknown or expired/);
    });

    it("answers access_denied when the person declines at the provider, and audits login.failed with the reason", async () => {
      const device = await start("ana@acme.test");
      const { browser, callback } = await visit(device, "deny");
      const page = await browser.request(callback);
      assert.equal(page.status, 400);
      assert.match(page.text, /access_denied/);
      const denied = await poll(device.deviceCode);
      assert.equal(denied.status, 400);
      assert.equal(denied.body.code, "access_denied");
      assert.equal(denied.body.detail, "the sign-in was refused: the identity provider answered access_denied: the person declined the sign-in");
      const last = (await failures()).at(-1);
      assert.deepEqual(JSON.parse(last.changes).reason, { from: null, to: "the identity provider answered access_denied: the person declined the sign-in" });
    });

    it("refuses an email the provider has not verified: no user, no identity, no token", async () => {
      const device = await start("eve@acme.test");
      const { browser, callback } = await visit(device, "eve");
      const page = await browser.request(callback);
      assert.equal(page.status, 400);
      assert.match(page.text, /has not verified eve@acme\.test \(email_verified is not true\)/);
      assert.equal((await poll(device.deviceCode)).body.code, "access_denied");
      assert.deepEqual(await sqlQuery(backend, "SELECT id FROM users WHERE email = 'eve@acme.test'"), []);
      assert.deepEqual(await sqlQuery(backend, "SELECT subject FROM identities WHERE subject = 'eve'"), []);
    });

    it("refuses a callback from another browser than the one that confirmed the code, and changes nothing", async () => {
      const device = await start("ana@acme.test");
      const { browser, callback } = await visit(device, "ana");
      const stranger = await new Browser().request(callback);
      assert.equal(stranger.status, 400);
      assert.match(stranger.text, /started in another browser/);
      assert.equal((await poll(device.deviceCode)).body.code, "authorization_pending");
      // The flow is untouched: the browser that confirmed the code still finishes it.
      assert.equal((await browser.request(callback)).status, 200);
      expectStatus(await poll(device.deviceCode), 200);
    });

    it("refuses a replayed callback (same code, state and cookie): one sign-in, one token", async () => {
      const device = await start("ana@acme.test");
      const { browser, callback } = await visit(device, "ana");
      const copy = browser.clone();
      assert.equal((await browser.request(callback)).status, 200);
      const replay = await copy.request(callback);
      assert.equal(replay.status, 400);
      assert.match(replay.text, /this sign-in is unknown, expired or finished already/);
      expectStatus(await poll(device.deviceCode), 200);
      const minted = await sqlQuery(backend, "SELECT count(*) AS n FROM device_authorizations WHERE user_code = $1 AND status = 'used'", [device.userCode]);
      assert.equal(Number(minted[0].n), 1);
    });

    it("refuses an ID token whose nonce is not the flow's, and signs nobody in", async () => {
      const device = await start("ana@acme.test");
      const { browser, callback } = await visit(device, "ana");
      await sqlQuery(backend, "UPDATE sign_in_requests SET nonce = 'not-the-nonce-that-was-sent'");
      const page = await browser.request(callback);
      assert.equal(page.status, 400);
      assert.match(page.text, /the identity provider&#39;s ID token failed its &quot;nonce&quot; check/);
      assert.equal((await poll(device.deviceCode)).body.code, "access_denied");
    });

    it("names the device code that is not one of this backend's", async () => {
      const res = await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: "tdc_madeup" } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors, [{ path: "deviceCode", message: "is not a device code this backend issued; start again with POST /v1/auth/device (tenancy login)" }]);
    });
  });
}

describe("sign-in without an identity provider", function () {
  const { backend } = useBackend();
  it("refuses to start, naming the email and how else to get a token", async () => {
    const res = await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: "ana@acme.test" } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, [{ path: "email", message: "no identity provider signs in acme.test: no organization lists that domain with its own OIDC provider, and this backend has no TENANCY_OIDC_ISSUER; ask its operator, or get a token with npm run token on the server host" }]);
  });
});
