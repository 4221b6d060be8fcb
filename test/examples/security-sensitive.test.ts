import assert from "node:assert/strict";
import { account, api } from "../provider/support";
import { Backend, startBackend } from "../support/backend";
import { ExampleProgram, exampleProgram } from "./support";

/**
 * examples/security-sensitive turns exclusive access on (issue 20 item 2): an admin added by hand
 * through the API is gone after the next `up`, with no flag: the example refreshes on every run.
 */
describe("examples/security-sensitive keeps access to what it declares", function () {
  this.timeout(10 * 60 * 1000);
  let backend: Backend;
  let program: ExampleProgram;

  before(async () => {
    backend = await startBackend();
    program = await exampleProgram("security-sensitive", backend);
  });
  after(async () => {
    program?.dispose();
    await backend?.dispose();
  });

  it("removes an admin added by hand on the next up, and keeps the deployer", async () => {
    const client = api(backend.url, backend.token);
    const stack = await program.stack("dev");
    await stack.up();
    const [org] = (await client.organizations.list({ name: "Secure Insurance" })).data;
    await account(backend, "mallory@secure.test");
    await client.members.add({ organizationId: org.id }, { email: "mallory@secure.test", role: "admin" });
    const roles = async () => (await client.members.list({ organizationId: org.id }, {})).data.map((m) => `${m.email} ${m.role}`).sort();
    assert.ok((await roles()).includes("mallory@secure.test admin"));

    const preview = await stack.preview({ diff: true });
    assert.match(preview.stdout, /mallory@secure\.test/);
    const up = await stack.up();
    assert.deepEqual(up.summary.resourceChanges, { same: 9, update: 1 });
    assert.deepEqual(await roles(), ["root@tenancy.test admin", "sam@secure.test member"], "omar and rita are invited, not members");
    await stack.destroy();
  });
});
