import assert from "node:assert/strict";
import { DIALECTS } from "../support/backend";
import { useIdentityProvider } from "../support/identity-provider";
import { account, client, expectStatus, useBackend } from "./helpers";
import { signInAs } from "./signed-in";

/**
 * An organization that declares its OIDC identity provider but does not enforce it
 * (securityPolicy.sso.enforced false) refuses no one for signing in elsewhere: declaring is not
 * enforcing (issue 22). The token comes from a real sign-in at another provider than the one declared.
 */
const ACCOUNTS = { cy: { email: "cy@acme.test", emailVerified: true, amr: ["pwd"] } };

for (const dialect of DIALECTS) {
  describe(`sign-in policy declared, not enforced (${dialect.name})`, function () {
    this.timeout(60_000);
    const { env, provider } = useIdentityProvider(ACCOUNTS);
    const { backend, root } = useBackend({ dialect, env });

    it("lets in a person signed in at another provider than the organization's, while sso.enforced is false", async () => {
      const org = expectStatus(await root.post("/v1/organizations", { name: "Declared Co", securityPolicy: { sso: { enforced: false, protocol: "oidc", issuer: "https://idp.elsewhere.test" } } }), 201);
      // Cy has an account already (one without would be invited, not added).
      await account(backend, ACCOUNTS.cy.email);
      expectStatus(await root.post(`/v1/organizations/${org.id}/members`, { email: ACCOUNTS.cy.email, role: "member" }), 201);
      const cy = client(backend, await signInAs(backend, provider(), "cy", ACCOUNTS.cy.email));
      assert.equal(expectStatus(await cy.get(`/v1/organizations/${org.id}`), 200).id, org.id);
      assert.deepEqual(expectStatus(await cy.get("/v1/organizations"), 200).data.map((o: { id: string }) => o.id), [org.id]);
    });
  });
}
