import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, expectStatus, useBackend } from "../backend/helpers";
import { cliLogin } from "../support/cli-login";
import { IdentityProvider, useIdentityProvider } from "../support/identity-provider";
import { rootProgramDir, TestStack, testStack } from "./support";

/**
 * Issue 22's "done when": a new person goes from `tenancy login` to `pulumi up` with nobody
 * running a command on the server host. The backend knows no token of theirs; they sign in with
 * the CLI at a real OpenID Provider, and the root program (tenancy.yaml) deploys under that
 * session, since neither `tenancy:token` nor `TENANCY_TOKEN` is set.
 */
const LAYOUT = `organization:
  name: Ana's team
members:
  - { email: ben@acme.test, role: member }
projects:
  - name: chat
    environment: development
    members:
      - { email: ben@acme.test, role: owner }
`;

describe("a new person, from tenancy login to pulumi up", function () {
  this.timeout(10 * 60 * 1000);
  const { env, provider } = useIdentityProvider({ ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] } });
  const { backend } = useBackend({ env });
  let idp: IdentityProvider;
  let config: string;
  let t: TestStack | undefined;
  before(() => {
    idp = provider();
    config = mkdtempSync(join(tmpdir(), "tenancy-person-"));
  });
  after(async () => {
    await t?.stack.destroy().catch(() => undefined);
    await t?.dispose();
    rmSync(config, { recursive: true, force: true });
  });

  it("signs in with the CLI and deploys a layout under that session, which makes them its organization's first admin and invites the others", async () => {
    const personEnv = { ...process.env, XDG_CONFIG_HOME: config, TENANCY_TOKEN: "", TENANCY_ENDPOINT: "", TENANCY_NO_BROWSER: "1" };
    await cliLogin({ endpoint: backend.url, email: "ana@acme.test", account: "ana", issuer: idp.issuer, env: personEnv });

    t = await testStack({ endpoint: backend.url, env: { XDG_CONFIG_HOME: config, TENANCY_TOKEN: "" } }, rootProgramDir("tenancy-person", LAYOUT));
    const up = await t.stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.ok(!JSON.stringify(await t.stack.exportStack()).includes("tmt_"), "the session's token is in the state");

    // What the backend holds, read with Ana's session (the operator's token sees no organization of
    // hers): she made it and is its admin; Ben is a member.
    const ana = JSON.parse(readFileSync(join(config, "tenancy", "credentials.json"), "utf8")).sessions[backend.url].token as string;
    const orgs = expectStatus(await call(backend.url, "GET", "/v1/organizations", ana), 200).data as Array<{ id: string; name: string }>;
    const org = orgs.find((o) => o.name === "Ana's team");
    assert.ok(org, "the organization was created");
    const members = expectStatus(await call(backend.url, "GET", `/v1/organizations/${org.id}/members`, ana), 200).data as Array<{ email: string; role: string }>;
    assert.deepEqual(members.map((m) => [m.email, m.role]).sort(), [["ana@acme.test", "admin"]]);
    // Ben has no account: he is invited, to the organization and to chat, until he accepts.
    const invited = expectStatus(await call(backend.url, "GET", `/v1/organizations/${org.id}/invitations?status=pending`, ana), 200).data as Array<{ email: string; role: string; projects: { role: string }[] }>;
    assert.deepEqual(invited.map((i) => [i.email, i.role, i.projects.map((p) => p.role)]), [["ben@acme.test", "member", ["owner"]]]);
    const audit = expectStatus(await call(backend.url, "GET", `/v1/organizations/${org.id}/audit-events`, ana), 200).data as Array<{ action: string; actor: { email: string } }>;
    assert.deepEqual([...new Set(audit.map((e) => e.actor.email))], ["ana@acme.test"], "every change was Ana's, none the operator's");
  });
});
