import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientFor, credentialFor } from "../../provider/config";
import { IdentityProvider, useIdentityProvider } from "../support/identity-provider";
import { cliLogin, exitOf, runCli } from "../support/cli-login";
import { call, useBackend } from "../backend/helpers";

/**
 * `tenancy login`, `whoami` and `logout` as a person runs them: the compiled CLI as a child
 * process, a real backend, a real OpenID Provider, the person's browser driven over HTTP.
 */

const ACCOUNTS = { ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "hwk"] } };

describe("tenancy login, whoami and logout", function () {
  this.timeout(60_000);
  const { env, provider } = useIdentityProvider(ACCOUNTS);
  const { backend } = useBackend({ env });
  let idp: IdentityProvider;
  let config: string;
  before(() => {
    idp = provider();
    config = mkdtempSync(join(tmpdir(), "tenancy-login-"));
  });
  after(() => rmSync(config, { recursive: true, force: true }));
  // The person's environment: no token, no endpoint, no browser to open; only their config folder.
  const personEnv = () => ({ ...process.env, XDG_CONFIG_HOME: config, TENANCY_TOKEN: "", TENANCY_ENDPOINT: "", TENANCY_NO_BROWSER: "1" });

  const run = (args: string[]) => runCli(args, personEnv());

  it("signs in, keeps the session private per endpoint, says who and how, lends it to the provider, and logout revokes and forgets it", async () => {
    const { login, userCode } = await cliLogin({ endpoint: backend.url, email: "ana@acme.test", account: "ana", issuer: idp.issuer, env: personEnv() });
    assert.match(login.stderr(), new RegExp(`check that it shows the code ${userCode}`));

    const path = join(config, "tenancy", "credentials.json");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const file = JSON.parse(readFileSync(path, "utf8"));
    assert.deepEqual(Object.keys(file.sessions), [backend.url]);
    const session = file.sessions[backend.url];
    assert.match(session.token, /^tmt_/);
    assert.deepEqual({ email: session.email, signIn: { ...session.signIn, authTime: typeof session.signIn.authTime } }, { email: "ana@acme.test", signIn: { issuer: idp.issuer, subject: "ana", authTime: "string", mfa: true } });
    assert.doesNotMatch(login.stderr() + login.stdout(), new RegExp(session.token), "the token is never printed");

    const who = run(["whoami"]);
    assert.equal(await exitOf(who.child), 0, who.stderr());
    const whoLines = who.stdout().split("\n");
    assert.match(whoLines[0], /^user: {7}ana@acme\.test \(user_\w+\)$/);
    assert.deepEqual(whoLines.slice(1), [
      `endpoint:   ${backend.url}`,
      `credential: the session of ana@acme.test from tenancy login (${path})`,
      `expires:    ${session.expiresAt}`,
      `sso:        ${idp.issuer} (subject ana)`,
      "mfa:        yes",
      "",
    ]);

    // The provider: the stored session when nothing else is set, and TENANCY_TOKEN before it.
    const stored = credentialFor({}, personEnv());
    assert.deepEqual(stored, { endpoint: backend.url, token: session.token, source: `the session of ana@acme.test from tenancy login (${path})` });
    assert.equal(credentialFor({}, { ...personEnv(), TENANCY_TOKEN: backend.token }).source, "the TENANCY_TOKEN environment variable");
    assert.ok(clientFor({}, personEnv()));

    const logout = run(["logout"]);
    assert.equal(await exitOf(logout.child), 0, logout.stderr());
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")).sessions, {});
    assert.equal((await call(backend.url, "GET", "/v1/me", session.token)).status, 401);
    assert.throws(() => credentialFor({ endpoint: backend.url }, personEnv()), /no tenancy token: .*or sign in with `tenancy login --endpoint http/);
  });

  it("says in whoami that a token minted on the server host is the operator's break-glass credential", async () => {
    const who = runCli(["whoami", "--endpoint", backend.url], { ...personEnv(), TENANCY_TOKEN: backend.token });
    assert.equal(await exitOf(who.child), 0, who.stderr());
    assert.match(who.stdout(), /^sso: {8}no: minted on the server host, the operator's break-glass credential \(SSO and MFA do not apply\)$/m);
    assert.match(who.stdout(), /^mfa: {8}no$/m);
  });
});
