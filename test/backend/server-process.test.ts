import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, SERVER } from "../support/backend";
import { client, expectStatus, useBackend } from "./helpers";

const exec = promisify(execFile);
const TOKEN_SCRIPT = join(ROOT, "dist", "scripts", "token.js");

describe("the server process and the token script", () => {
  const { backend } = useBackend();

  const token = (args: string[]) => exec(process.execPath, [TOKEN_SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, TENANCY_DATABASE_URL: backend.databaseUrl } });

  it("prints only a new token for a new user while the server runs, honouring --expires-in-days", async () => {
    const { stdout, stderr } = await token(["New.Person@Script.test", "--expires-in-days", "3"]);
    assert.match(stdout, /^tmt_[0-9A-Za-z]{49}\n$/);
    assert.equal(stderr, "");
    const me = expectStatus(await client(backend, stdout.trim()).get("/v1/me"), 200);
    assert.equal(me.user.email, "new.person@script.test");
    const tokens = expectStatus(await client(backend, stdout.trim()).get("/v1/tokens"), 200);
    const days = (Date.parse(tokens.data[0].expiresAt) - Date.parse(tokens.data[0].createdAt)) / 86_400_000;
    assert.equal(days, 3);
  });

  it("mints tokens for one user from many processes at once while the server writes", async () => {
    const org = expectStatus(await client(backend, backend.token).post("/v1/organizations", { name: "Busy" }), 201).id;
    const writes = Array.from({ length: 20 }, (_, i) => client(backend, backend.token).post(`/v1/organizations/${org}/projects`, { name: `busy-${i}`, environment: "other" }));
    const mints = await Promise.all(Array.from({ length: 4 }, () => token(["busy@script.test"])));
    assert.ok((await Promise.all(writes)).every((r) => r.status === 201));
    assert.equal(new Set(mints.map((m) => m.stdout)).size, 4);
  });

  it("refuses bad arguments with the usage line and nothing on stdout", async () => {
    for (const args of [[], ["not-an-email"], ["a@b.test", "--expires-in-days", "0"], ["a@b.test", "extra"]]) {
      const failed = await token(args).then(
        () => assert.fail(`accepted ${args.join(" ")}`),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      assert.equal(failed.code, 1);
      assert.equal(failed.stdout, "");
      assert.match(failed.stderr, /usage: npm run -s token -- EMAIL \[--expires-in-days N\]/);
    }
  });

  it("creates its SQLite folder, logs JSON lines and exits 0 on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tenancy-sigterm-"));
    try {
      const child = spawn(process.execPath, [SERVER], {
        cwd: ROOT,
        env: { ...process.env, TENANCY_PORT: "0", TENANCY_DATABASE_URL: `sqlite:${join(dir, "nested", "deeper", "t.db")}`, TENANCY_BOOTSTRAP_EMAIL: "", TENANCY_BOOTSTRAP_TOKEN: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes('"msg":"listening"')) resolve();
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      const lines = out.trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(lines.some((l) => l.msg === "listening" && /^http:\/\/127\.0\.0\.1:\d+$/.test(l.url)));
      assert.ok(lines.some((l) => l.msg === "shutting down"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
