import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, SERVER } from "../support/backend";
import { call, expectStatus } from "./helpers";

const DEADLINE_MS = 2000;

/**
 * A harness that captured the server's output and then went away can leave the server's stdout
 * a socket nobody reads any more (still open, held by whatever inherited it): once its buffers are
 * full, every write of the log waits for ever. SIGTERM must still end the process, within its
 * shutdown deadline at the latest.
 */
describe("shutdown", () => {
  it("exits on SIGTERM within its deadline after the reader of its stdout went away", async function () {
    const dir = mkdtempSync(join(tmpdir(), "tenancy-shutdown-"));
    const token = `bootstrap-${randomBytes(24).toString("hex")}`;
    const child = spawn(process.execPath, [SERVER], {
      cwd: ROOT,
      env: {
        ...process.env,
        TENANCY_PORT: "0",
        TENANCY_DATABASE_URL: `sqlite:${join(dir, "t.db")}`,
        TENANCY_BOOTSTRAP_EMAIL: "root@shutdown.test",
        TENANCY_BOOTSTRAP_TOKEN: token,
        TENANCY_SHUTDOWN_DEADLINE_MS: String(DEADLINE_MS),
        TENANCY_REDIS_URL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (c: Buffer) => {
          out += c.toString();
          const listening = out.match(/"url":"(http:\/\/[^"]+)","msg":"listening"/);
          if (listening) resolve(listening[1]);
        });
        void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
      });
      const org = expectStatus(await call(url, "POST", "/v1/organizations", token, { body: { name: "Gone reader" } }), 201).id;
      for (let i = 0; i < 30; i++) expectStatus(await call(url, "POST", `/v1/organizations/${org}/projects`, token, { body: { name: `p-${i}`, environment: "other" } }), 201);
      // The reader stops for good, the socket stays open: enough lines then fill its buffers.
      child.stdout!.removeAllListeners("data");
      child.stdout!.pause();
      for (let i = 0; i < 40; i++) await Promise.all(Array.from({ length: 50 }, () => call(url, "GET", "/healthz", undefined)));
      child.kill("SIGTERM");
      const gone = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), DEADLINE_MS + 3000))]);
      assert.ok(gone, `still running ${DEADLINE_MS + 3000} ms after SIGTERM (deadline ${DEADLINE_MS} ms); stderr: ${stderr}`);
      // It says what it could not finish.
      assert.match(stderr, /^tenancy backend: shutdown did not finish within 2000 ms \(still closing: the log\); exiting anyway\n$/);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
