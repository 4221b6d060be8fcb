import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { DIALECTS, ROOT, SERVER } from "../support/backend";
import { Browser, IdentityProvider, signInAtProvider, startIdentityProvider, useIdentityProvider } from "../support/identity-provider";
import { call, expectStatus, sqlQuery, useBackend } from "./helpers";

/**
 * Organizations' own identity providers (`securityPolicy.sso`): the client secret is write-only
 * and sealed with TENANCY_ENCRYPTION_KEY; the email's domain picks the organization's provider
 * (home-realm discovery) over the instance default. Two real OpenID Providers on 127.0.0.1: the
 * instance default and the organization's.
 */

const ACCOUNTS = {
  ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] },
  zoe: { email: "zoe@corp.test", emailVerified: true, amr: ["pwd"] },
  max: { email: "max@auto.test", emailVerified: true, amr: ["pwd"] },
  lou: { email: "lou@lax.test", emailVerified: true, amr: ["pwd"] },
};
const KEY = randomBytes(32).toString("base64");
const SECRET = "org-client-secret-that-is-long-enough-for-hs256";

/** The server on an existing store, as an operator would start it; resolves with its exit and stderr once it exits. */
function startOn(databaseUrl: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER], { cwd: ROOT, env: { ...process.env, TENANCY_HOST: "127.0.0.1", TENANCY_PORT: "0", TENANCY_DATABASE_URL: databaseUrl, ...env } });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.on("data", (c: Buffer) => {
      // It started after all: stop it, and let the assertion on its exit fail.
      if (c.toString().includes('"listening"')) child.kill("SIGTERM");
    });
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}

for (const dialect of DIALECTS) {
  describe(`organizations' identity providers (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    env.TENANCY_ENCRYPTION_KEY = KEY;
    const { backend, root } = useBackend({ dialect, env });
    let corp: IdentityProvider;
    before(async () => (corp = await startIdentityProvider(ACCOUNTS, `${env.TENANCY_PUBLIC_URL}/v1/auth/callback`, { clientSecret: SECRET })));
    after(() => corp?.close());

    const ssoOf = (idp: IdentityProvider, secret?: string) => ({ protocol: "oidc", issuer: idp.issuer, clientId: idp.clientId, ...(secret ? { clientSecret: secret } : {}) });
    // Each test its own domain: discovery looks at every organization of the store.
    const createCorp = async (name: string, domain: string) =>
      expectStatus(await root.post("/v1/organizations", { name, settings: { allowedEmailDomains: [domain] }, securityPolicy: { sso: ssoOf(corp, SECRET) } }), 201);
    const storedPolicy = async (orgId: string) => (await sqlQuery(backend, "SELECT security_policy FROM organizations WHERE id = $1", [orgId]))[0].security_policy as string;

    it("keeps the client secret write-only: answered as clientSecretSet, stored encrypted, audited as set, never logged", async () => {
      const org = await createCorp("Corp Write Only", "write-only.test");
      assert.deepEqual(org.securityPolicy.sso, { enforced: false, protocol: "oidc", issuer: corp.issuer, clientId: corp.clientId, clientSecretSet: true });
      assert.deepEqual(expectStatus(await root.get(`/v1/organizations/${org.id}`), 200).securityPolicy.sso, org.securityPolicy.sso);
      const stored = await storedPolicy(org.id);
      assert.doesNotMatch(stored, new RegExp(SECRET));
      assert.match(JSON.parse(stored).sso.clientSecret, /^tenc1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      const events = expectStatus(await root.get(`/v1/organizations/${org.id}/audit-events?action=organization.created`), 200).data;
      assert.deepEqual(events[0].changes.securityPolicy.to.sso, org.securityPolicy.sso);
      assert.doesNotMatch(JSON.stringify(await sqlQuery(backend, "SELECT changes FROM audit_events WHERE organization_id = $1", [org.id])), new RegExp(SECRET));
      assert.doesNotMatch(backend.logs(), new RegExp(SECRET));
    });

    it("keeps the stored secret through a PATCH without it and through the same secret sent again; audits a new one as replaced", async () => {
      const org = await createCorp("Corp Patch", "patch.test");
      const sealed = await storedPolicy(org.id);
      const renamed = expectStatus(await root.patch(`/v1/organizations/${org.id}`, { securityPolicy: { sso: { clientId: "renamed-client" } } }), 200);
      assert.deepEqual(renamed.securityPolicy.sso, { ...org.securityPolicy.sso, clientId: "renamed-client" });
      assert.equal(JSON.parse(await storedPolicy(org.id)).sso.clientSecret, JSON.parse(sealed).sso.clientSecret);
      const same = expectStatus(await root.patch(`/v1/organizations/${org.id}`, { securityPolicy: { sso: { clientSecret: SECRET } } }), 200);
      assert.equal(same.version, renamed.version, "the same secret again is no change");

      const rotated = expectStatus(await root.patch(`/v1/organizations/${org.id}`, { securityPolicy: { sso: { clientSecret: "a-new-secret-nobody-may-read" } } }), 200);
      assert.equal(rotated.version, renamed.version + 1);
      assert.deepEqual(rotated.securityPolicy.sso, renamed.securityPolicy.sso);
      const events = expectStatus(await root.get(`/v1/organizations/${org.id}/audit-events?action=policy.updated`), 200).data;
      const secretChanges = events.map((e: any) => `${e.changes.securityPolicy.from.sso.clientSecret} -> ${e.changes.securityPolicy.to.sso.clientSecret}`).sort();
      assert.deepEqual(secretChanges, ["(set) -> (replaced)", "(set) -> (set)"]);
      assert.doesNotMatch(JSON.stringify(events), /a-new-secret-nobody-may-read/);

      const cleared = expectStatus(await root.patch(`/v1/organizations/${org.id}`, { securityPolicy: { sso: { clientSecret: null } } }), 200);
      assert.deepEqual(cleared.securityPolicy.sso, { enforced: false, protocol: "oidc", issuer: corp.issuer, clientId: "renamed-client" });
      assert.equal(JSON.parse(await storedPolicy(org.id)).sso.clientSecret, undefined);
    });

    it("home-realm discovery: an email of the organization's domain signs in at the organization's provider, and the token records that issuer", async () => {
      const org = await createCorp("Corp Discovery", "corp.test");
      const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: "zoe@corp.test" } }), 200);
      const [row] = await sqlQuery(backend, "SELECT issuer, organization_id FROM device_authorizations WHERE user_code = $1", [device.userCode]);
      assert.deepEqual(row, { issuer: corp.issuer, organization_id: org.id });
      // A code typed by hand: the entry form only leads to the confirmation page, whose policy names the organization's provider.
      const entry = await new Browser().request(device.verificationUri);
      assert.match(entry.text, /<form method="get" action="\/console\/device">/);
      const page = await new Browser().request(device.verificationUriComplete);
      assert.match(page.text, /<form method="post" action="\/console\/device">/);
      assert.equal(page.headers.get("content-security-policy"), `default-src 'none'; form-action 'self' ${provider().issuer} ${corp.issuer}; frame-ancestors 'none'; base-uri 'none'`);
      const browser = new Browser();
      const { callback } = await signInAtProvider(browser, device, "zoe", corp.issuer, backend.url, [provider().issuer, corp.issuer]);
      assert.equal((await browser.request(callback)).status, 200);
      await sqlQuery(backend, "UPDATE device_authorizations SET polled_at = NULL WHERE user_code = $1", [device.userCode]);
      const signedIn = expectStatus(await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } }), 200);
      assert.deepEqual({ issuer: signedIn.signIn.issuer, subject: signedIn.signIn.subject, email: signedIn.user.email }, { issuer: corp.issuer, subject: "zoe", email: "zoe@corp.test" });

      // Another domain still goes to the instance default.
      const other = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: "ana@acme.test" } }), 200);
      const [otherRow] = await sqlQuery(backend, "SELECT issuer, organization_id FROM device_authorizations WHERE user_code = $1", [other.userCode]);
      assert.deepEqual(otherRow, { issuer: provider().issuer, organization_id: null });
    });

    /** Signs `as` in through the device grant at the organization's provider; answers the poll. */
    async function signInAtCorp(email: string, as: string) {
      const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email } }), 200);
      const browser = new Browser();
      const { callback } = await signInAtProvider(browser, device, as, corp.issuer, backend.url, [provider().issuer, corp.issuer]);
      assert.equal((await browser.request(callback)).status, 200);
      return expectStatus(await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } }), 200);
    }
    /** sso.enforced set in the store: turning it on through the API is refused while the admin doing it would be locked out. */
    async function enforce(orgId: string) {
      const policy = JSON.parse(await storedPolicy(orgId));
      await sqlQuery(backend, "UPDATE organizations SET security_policy = $1 WHERE id = $2", [JSON.stringify({ ...policy, sso: { ...policy.sso, enforced: true } }), orgId]);
    }
    const provisioning = (domain: string, name: string) =>
      root.post("/v1/organizations", { name, settings: { allowedEmailDomains: [domain] }, securityPolicy: { sso: { ...ssoOf(corp, SECRET), autoProvision: { role: "member" } } } });

    it("auto-provisions a person of the organization's domain at their first sign-in with the configured role, audited, when SSO is enforced", async () => {
      const org = expectStatus(await provisioning("auto.test", "Auto Co"), 201);
      assert.deepEqual(org.securityPolicy.sso.autoProvision, { role: "member" });
      await enforce(org.id);
      const signedIn = await signInAtCorp("max@auto.test", "max");
      const [member] = await sqlQuery(backend, "SELECT role FROM org_members WHERE organization_id = $1 AND user_id = $2", [org.id, signedIn.user.id]);
      assert.deepEqual(member, { role: "member" });
      const events = expectStatus(await root.get(`/v1/organizations/${org.id}/audit-events?action=member.added`), 200).data;
      const added = events.find((e: any) => e.target.id === signedIn.user.id);
      assert.deepEqual({ actor: added.actor.email, changes: added.changes }, {
        actor: "max@auto.test",
        changes: { email: { from: null, to: "max@auto.test" }, role: { from: null, to: "member" }, provisionedBy: { from: null, to: "securityPolicy.sso.autoProvision" } },
      });
    });

    it("does not provision where SSO is not enforced", async () => {
      const org = expectStatus(await provisioning("lax.test", "Lax Co"), 201);
      const signedIn = await signInAtCorp("lou@lax.test", "lou");
      assert.deepEqual(await sqlQuery(backend, "SELECT role FROM org_members WHERE organization_id = $1 AND user_id = $2", [org.id, signedIn.user.id]), []);
    });

    it("refuses an email whose domain two organizations claim with different providers, naming the domain", async () => {
      expectStatus(await root.post("/v1/organizations", { name: "Twin A", settings: { allowedEmailDomains: ["twin.test"] }, securityPolicy: { sso: ssoOf(corp, SECRET) } }), 201);
      expectStatus(await root.post("/v1/organizations", { name: "Twin B", settings: { allowedEmailDomains: ["twin.test"] }, securityPolicy: { sso: { ...ssoOf(provider(), "x-secret"), clientId: "another-client" } } }), 201);
      const before = await sqlQuery(backend, "SELECT count(*) AS n FROM device_authorizations");
      const res = await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email: "kim@twin.test" } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors, [
        { path: "email", message: "twin.test is claimed by 2 organizations with different identity providers, so none is picked; their administrators must agree on one (securityPolicy.sso) or drop twin.test from settings.allowedEmailDomains" },
      ]);
      assert.deepEqual(await sqlQuery(backend, "SELECT count(*) AS n FROM device_authorizations"), before);
    });

    it("refuses to start without the key, or with another key, once a secret is kept, naming the variable", async () => {
      await createCorp("Corp Restart", "restart.test");
      await backend.stop();
      try {
        const missing = await startOn(backend.databaseUrl, {});
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /^TENANCY_ENCRYPTION_KEY must be set: organization org_\w+ \(and maybe others\) keeps an encrypted SSO client secret; set the key it was sealed with\n$/);
        const wrong = await startOn(backend.databaseUrl, { TENANCY_ENCRYPTION_KEY: randomBytes(32).toString("hex") });
        assert.equal(wrong.code, 1);
        assert.match(wrong.stderr, /^TENANCY_ENCRYPTION_KEY does not open the SSO client secret of organization org_\w+: it was sealed under another TENANCY_ENCRYPTION_KEY, or altered; set the key it was sealed with\n$/);
        assert.doesNotMatch(wrong.stderr + missing.stderr, new RegExp(SECRET));
      } finally {
        await backend.restart();
      }
    });
  });
}

describe("organization client secrets without TENANCY_ENCRYPTION_KEY", function () {
  const { root } = useBackend();
  it("refuses a client secret, naming the field and the missing key, and creates nothing", async () => {
    const res = await root.post("/v1/organizations", { name: "Keyless", securityPolicy: { sso: { protocol: "oidc", issuer: "https://login.keyless.test", clientId: "c", clientSecret: "s" } } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, [{ path: "securityPolicy.sso.clientSecret", message: "cannot be kept: this backend has no TENANCY_ENCRYPTION_KEY to encrypt it with; ask its operator to set one" }]);
    assert.deepEqual(expectStatus(await root.get("/v1/organizations?name=Keyless"), 200).data, []);
  });
});
