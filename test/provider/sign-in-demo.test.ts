import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../support/backend";
import { exitOf } from "../support/cli-login";
import { freePort } from "../support/identity-provider";

/** `npm run -s sign-in-demo`, which the README gives to try signing in: it starts, signs in, stops. */
describe("npm run sign-in-demo", function () {
  this.timeout(120_000);

  it("serves a backend whose device sign-in goes to the local test provider, prints how to sign in, and stops on Ctrl-C", async () => {
    const port = await freePort();
    const demo = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "test", "support", "sign-in-demo.ts")], {
      cwd: ROOT,
      env: { ...process.env, SIGN_IN_DEMO_PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    demo.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    demo.stderr!.resume();
    try {
      await new Promise<void>((resolve, reject) => {
        demo.stdout!.on("data", () => out.includes("Ctrl-C stops") && resolve());
        demo.once("exit", (code) => reject(new Error(`the demo exited (${code}) before it was ready: ${out}`)));
      });
      assert.match(out, new RegExp(`npx tenancy login --endpoint http://127\\.0\\.0\\.1:${port} --email ana@acme\\.test`));
      const res = await fetch(`http://127.0.0.1:${port}/v1/auth/device`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "ana@acme.test" }) });
      assert.equal(res.status, 200);
      const discovery = await fetch(`http://127.0.0.1:${port + 1}/.well-known/openid-configuration`);
      assert.equal(((await discovery.json()) as { issuer: string }).issuer, `http://127.0.0.1:${port + 1}`);
    } finally {
      demo.kill("SIGINT");
    }
    assert.equal(await exitOf(demo), 0);
  });
});
