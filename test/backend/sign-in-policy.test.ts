import assert from "node:assert/strict";
import { expectStatus, useBackend } from "./helpers";

/** Organization sign-in policy that tenancy cannot honour yet is refused, never stored as if on. */
describe("organization SSO policy", function () {
  const { root } = useBackend();

  it("refuses SAML with enforced true, naming the field, and creates nothing", async () => {
    const res = await root.post("/v1/organizations", { name: "Saml Co", securityPolicy: { sso: { enforced: true, protocol: "saml", metadataUrl: "https://idp.saml.test/metadata" } } });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "invalid_request");
    assert.deepEqual(res.body.errors, [{ path: "securityPolicy.sso.enforced", message: "must be false with protocol saml: SAML sign-in is not supported yet (use protocol oidc to enforce sign-in)" }]);
    assert.deepEqual(expectStatus(await root.get("/v1/organizations?name=Saml%20Co"), 200).data, []);
  });

  it("keeps SAML stored while it is not enforced, and refuses turning it on", async () => {
    const org = expectStatus(await root.post("/v1/organizations", { name: "Saml Later", securityPolicy: { sso: { enforced: false, protocol: "saml" } } }), 201);
    assert.deepEqual(org.securityPolicy.sso, { enforced: false, protocol: "saml" });
    const on = await root.patch(`/v1/organizations/${org.id}`, { securityPolicy: { sso: { enforced: true } } });
    assert.equal(on.status, 400);
    assert.deepEqual(on.body.errors, [{ path: "securityPolicy.sso.enforced", message: "must be false with protocol saml: SAML sign-in is not supported yet (use protocol oidc to enforce sign-in)" }]);
  });
});
