import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { Browser, IdentityProvider, signInAtProvider, useIdentityProvider } from "../support/identity-provider";
import { call, expectStatus, sqlQuery, useBackend } from "./helpers";

/**
 * ID tokens the backend must refuse although they come from the token endpoint: issued for another
 * client, expired, issued in the future, or signed with a key that is not the provider's. The
 * test provider re-signs its own answer (with its own key, or another), so each case differs from
 * a good sign-in in one claim or the signature only. Each is refused with a `login.failed` reason
 * and changes nothing: no identity, no user, no token.
 */

const ACCOUNTS = { tia: { email: "tia@acme.test", emailVerified: true, amr: ["pwd"] } };
const now = () => Math.floor(Date.now() / 1000);

const CASES: Array<[string, (c: Record<string, unknown>) => { claims: Record<string, unknown>; key?: "own" | "other" }, RegExp]> = [
  ["issued for another client (audience)", (c) => ({ claims: { ...c, aud: "another-client" } }), /the identity provider's ID token failed its "aud" check/],
  ["expired", (c) => ({ claims: { ...c, iat: now() - 7200, exp: now() - 3600 } }), /the identity provider's ID token failed its "exp" check/],
  ["issued in the future", (c) => ({ claims: { ...c, iat: now() + 3600, exp: now() + 7200 } }), /the identity provider's ID token failed its "iat" check/],
  ["signed with another key", (c) => ({ claims: c, key: "other" }), /the identity provider's answer did not validate: .*signature/i],
];

for (const dialect of DIALECTS) {
  describe(`tampered ID tokens (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    const { backend } = useBackend({ dialect, env });
    let idp: IdentityProvider;
    before(() => (idp = provider()));
    afterEach(() => idp.tamper(undefined));

    for (const [what, change, reason] of CASES) {
      it(`refuses an ID token ${what} with a login.failed reason, and changes nothing`, async () => {
        idp.tamper(change);
        const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: "tia@acme.test" } }), 200);
        const { browser, callback } = await signInAtProvider(new Browser(), device, "tia", idp.issuer, backend.url);
        const page = await browser.request(callback);
        assert.equal(page.status, 400);
        await sqlQuery(backend, "UPDATE device_authorizations SET polled_at = NULL WHERE user_code = $1", [device.userCode]);
        const poll = await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } });
        assert.equal(poll.body.code, "access_denied");
        assert.match(poll.body.detail, reason);
        const [failed] = await sqlQuery(backend, "SELECT changes FROM audit_events WHERE action = 'login.failed' ORDER BY at DESC LIMIT 1");
        assert.match(JSON.parse(failed.changes).reason.to, reason);
        assert.deepEqual(await sqlQuery(backend, "SELECT subject FROM identities WHERE subject = 'tia'"), []);
        assert.deepEqual(await sqlQuery(backend, "SELECT id FROM users WHERE email = 'tia@acme.test'"), []);
      });
    }

    it("signs in with the same provider untampered (the cases above differ from it only in what they change)", async () => {
      const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: "tia@acme.test" } }), 200);
      const { browser, callback } = await signInAtProvider(new Browser(), device, "tia", idp.issuer, backend.url);
      assert.equal((await browser.request(callback)).status, 200);
    });
  });
}
