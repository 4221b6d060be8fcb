import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../backend/config";

/** The identity provider's variables: all three or none, a safe issuer URL, a fixed redirect URI. */
describe("sign-in configuration", () => {
  const OIDC = { TENANCY_OIDC_ISSUER: "https://login.acme.test", TENANCY_OIDC_CLIENT_ID: "tenancy", TENANCY_OIDC_CLIENT_SECRET: "s3cret" };
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.message;
    }
    assert.fail("the configuration was accepted");
  };

  it("takes the three variables together, and derives the public URL from host and port", () => {
    const config = loadConfig({ ...OIDC, TENANCY_PORT: "7410" });
    assert.deepEqual(config.oidc, { issuer: "https://login.acme.test", clientId: "tenancy", clientSecret: "s3cret" });
    assert.equal(config.publicUrl, "http://127.0.0.1:7410");
    assert.equal(loadConfig({}).oidc, undefined);
  });

  it("refuses a part of the provider's settings, naming the missing variable", () => {
    assert.equal(
      refusal({ TENANCY_OIDC_ISSUER: OIDC.TENANCY_OIDC_ISSUER, TENANCY_OIDC_CLIENT_ID: "tenancy" }),
      "TENANCY_OIDC_CLIENT_SECRET must be set too when TENANCY_OIDC_ISSUER and TENANCY_OIDC_CLIENT_ID are set (sign-in needs the issuer, the client id and the client secret)",
    );
  });

  it("refuses a plain-http issuer that is not on this machine", () => {
    assert.equal(refusal({ ...OIDC, TENANCY_OIDC_ISSUER: "http://login.acme.test" }), 'TENANCY_OIDC_ISSUER must be an https:// URL (plain http only on 127.0.0.1 or localhost), got "http://login.acme.test"');
  });

  it("asks for TENANCY_PUBLIC_URL when the port is chosen at start (the redirect URI must be fixed)", () => {
    assert.equal(refusal({ ...OIDC, TENANCY_PORT: "0" }), "TENANCY_PUBLIC_URL must be set when sign-in is on and TENANCY_PORT is 0 (the identity provider needs a fixed redirect URI)");
  });
});
