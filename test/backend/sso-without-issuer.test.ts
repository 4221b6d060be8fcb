import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { expectStatus, person, sqlQuery, useBackend } from "./helpers";

/**
 * A backend that names no identity provider (no TENANCY_OIDC_ISSUER), with a person whose token
 * comes from a sign-in (made when it named one). Enforcing SSO on an organization that names
 * none either would lock that admin out: refused, saying there is no provider to sign in at.
 */
for (const dialect of DIALECTS) {
  describe(`SSO enforced with no identity provider named (${dialect.name})`, function () {
    this.timeout(60_000);
    const { backend } = useBackend({ dialect });

    it("refuses sso.enforced from a signed-in admin, saying no issuer is set", async () => {
      const ann = await person(backend, "ann@no-issuer.test");
      // Before the token's first use, so no instance remembers it as it was minted.
      await sqlQuery(backend, "UPDATE tokens SET sso_issuer = $1, sso_subject = $2 WHERE user_id = (SELECT id FROM users WHERE email = $3)", ["https://idp.gone.test", "ann", ann.email]);
      const org = expectStatus(await ann.post("/v1/organizations", { name: "No issuer" }), 201).id;
      const refused = expectStatus(await ann.patch(`/v1/organizations/${org}`, { securityPolicy: { sso: { enforced: true, protocol: "oidc" } } }), 400);
      assert.equal(refused.errors.length, 1);
      assert.equal(refused.errors[0].path, "securityPolicy.sso.enforced");
      assert.match(refused.errors[0].message, /^cannot be true while your token comes from a sign-in at https:\/\/idp\.gone\.test, not at this organization's identity provider \(none: set securityPolicy\.sso\.issuer\), or you would lock yourself out; or first sign in there with tenancy login /);
    });
  });
}
