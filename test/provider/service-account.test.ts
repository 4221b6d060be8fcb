import assert from "node:assert/strict";
import * as tenancy from "../../provider";
import { client as apiClient } from "../backend/helpers";
import { useDeployment } from "./support";

/**
 * A service account through the real engine: its token is a secret that works, and a token
 * revoked out of band is drift that refresh finds and the next up mends in place (the account
 * stays, CI gets a working token), as a revoked ApiKey is.
 */
describe("a ServiceAccount deployed with the Pulumi engine", function () {
  this.timeout(10 * 60 * 1000);


  const program = async () => {
    const org = new tenancy.Organization("acme", { name: "Acme CI" });
    const ci = new tenancy.ServiceAccount("ci", { organizationId: org.id, name: "ci", role: "admin" });
    return { orgId: org.id, userId: ci.userId, token: ci.token, tokenId: ci.tokenId };
  };

  const d = useDeployment(program);
  const works = async (token: string) => (await apiClient(d.backend, token).get("/v1/me")).status === 200;

  it("creates the account with a working token, a secret, and nothing to change after", async () => {
    const up = await d.t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 3 });
    assert.equal(up.outputs.token.secret, true);
    assert.ok(await works(up.outputs.token.value));
    assert.deepEqual((await d.t.stack.refresh()).summary.resourceChanges, { same: 3 });
    assert.deepEqual((await d.t.stack.preview()).changeSummary, { same: 3 });
  });

  it("finds the token revoked out of band on refresh, and up mints a working one in place", async () => {
    const before = await d.t.stack.outputs();
    await d.client.serviceAccounts.revokeToken(before.orgId.value, before.userId.value, before.tokenId.value);
    assert.equal(await works(before.token.value), false);

    assert.deepEqual((await d.t.stack.refresh()).summary.resourceChanges, { same: 2, update: 1 });
    assert.deepEqual((await d.t.stack.preview()).changeSummary, { same: 2, update: 1 });
    const up = await d.t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 2, update: 1 });
    // The same account, a new token that works.
    assert.equal(up.outputs.userId.value, before.userId.value);
    assert.notEqual(up.outputs.tokenId.value, before.tokenId.value);
    assert.ok(await works(up.outputs.token.value));
    const active = (await d.client.serviceAccounts.tokens(before.orgId.value, before.userId.value)).data.filter((x) => x.status === "active");
    assert.deepEqual(active.map((x) => x.id), [up.outputs.tokenId.value]);
    assert.deepEqual((await d.t.stack.refresh()).summary.resourceChanges, { same: 3 });
    assert.deepEqual((await d.t.stack.preview()).changeSummary, { same: 3 });
  });
});
