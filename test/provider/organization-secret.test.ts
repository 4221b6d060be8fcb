import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tenancy from "../../provider";
import { Backend, startBackend } from "../support/backend";
import { testStack, TestStack } from "./support";

/**
 * An organization's SSO client secret through the real engine: sent to the API, kept out of
 * state in clear (the securityPolicy holding it is a Pulumi secret), and no change on the next
 * preview although the API never answers it.
 */
describe("an organization's SSO client secret deployed with the Pulumi engine", function () {
  this.timeout(10 * 60 * 1000);
  const SECRET = `sso-secret-${randomBytes(12).toString("hex")}`;
  let backend: Backend;
  let t: TestStack;
  let secret = SECRET;

  const program = async () => {
    const org = new tenancy.Organization("acme", {
      name: "Acme SSO",
      settings: { allowedEmailDomains: ["acme-sso.test"] },
      securityPolicy: { sso: { protocol: "oidc", issuer: "https://login.acme-sso.test", clientId: "tenancy", clientSecret: secret } },
    });
    return { orgId: org.id, sso: org.securityPolicy.apply((p) => p.sso.issuer) };
  };

  before(async () => {
    backend = await startBackend({ env: { TENANCY_ENCRYPTION_KEY: randomBytes(32).toString("base64") } });
    t = await testStack({ endpoint: backend.url, token: backend.token, program });
  });
  after(async () => {
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
    await backend?.dispose();
  });

  it("creates the organization with the secret, keeps it out of state and logs in clear, and previews no change after", async () => {
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { create: 2 });
    const orgId = up.outputs.orgId.value;
    const res = await fetch(`${backend.url}/v1/organizations/${orgId}`, { headers: { authorization: `Bearer ${backend.token}` } });
    assert.equal(((await res.json()) as { securityPolicy: { sso: { clientSecretSet?: boolean } } }).securityPolicy.sso.clientSecretSet, true);
    const state = rawState(t);
    assert.ok(!state.includes(SECRET), "the client secret is in the state in clear");
    assert.ok(!up.stdout.includes(SECRET) && !backend.logs().includes(SECRET), "the client secret is in the engine's or the backend's output");
    const again = await t.stack.preview({ diff: true });
    assert.deepEqual(again.changeSummary, { same: 2 });
    assert.ok(!again.stdout.includes(SECRET));
    const refreshed = await t.stack.refresh();
    assert.deepEqual(refreshed.summary.resourceChanges, { same: 2 });
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 2 });
  });

  it("sends a changed secret as an update in place", async () => {
    secret = `${SECRET}-rotated`;
    const up = await t.stack.up();
    assert.deepEqual(up.summary.resourceChanges, { update: 1, same: 1 });
    assert.ok(!rawState(t).includes(secret));
    assert.deepEqual((await t.stack.preview()).changeSummary, { same: 2 });
  });
});

/** The stack's state file as the engine wrote it (not `stack export --show-secrets`). */
function rawState(t: TestStack): string {
  const dir = join(t.dir, "state", ".pulumi", "stacks", "tenancy-test");
  return readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".json"))!), "utf8");
}
