import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DIALECTS, ROOT } from "../support/backend";
import { expectStatus, sqlQuery, useBackend } from "../backend/helpers";
import { tenant, Tenant } from "./support";

const exec = promisify(execFile);

for (const dialect of DIALECTS) {
  describe(`npm run usage (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect });
    let t: Tenant;
    const run = (...args: string[]) =>
      exec(process.execPath, [join(ROOT, "dist", "scripts", "usage.js"), ...args], { cwd: ROOT, env: { ...process.env, TENANCY_DATABASE_URL: backend.databaseUrl } });

    before(async () => {
      t = await tenant(backend, { chat: {}, batch: {} });
      expectStatus(await t.projects.chat.gateway.usage([{ eventId: "a", model: "gpt-4o", inputTokens: 1000, outputTokens: 2000 }]), 200);
      expectStatus(await t.projects.batch.gateway.usage([{ eventId: "a", model: "gpt-4o-mini", inputTokens: 10_000, outputTokens: 0 }]), 200);
      expectStatus(await t.projects.batch.gateway.usage([{ eventId: "b", model: "gpt-4o", inputTokens: 0, outputTokens: 100 }]), 200);
    });

    it("prints the month's costs per project as a table with the total", async () => {
      const month = new Date().toISOString().slice(0, 7);
      const { stdout } = await run("--org", t.orgId, "--month", month);
      const org = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}`), 200);
      const { chat, batch } = t.projects;
      const rows = [
        ["project", "id", "requests", "input tokens", "output tokens", "cost USD"],
        ["batch", batch.id, "2", "10000", "100", "0.002500"],
        ["chat", chat.id, "1", "1000", "2000", "0.022500"],
        ["total", "", "", "", "", "0.025000"],
      ];
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
      const table = [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n");
      assert.equal(stdout, `${org.name} (${t.orgId}), ${month} (open):\n\n${table}\n`);
    });

    it("reports a deleted organization's kept history, and a past month as final", async () => {
      const gone = await tenant(backend, { old: {} });
      expectStatus(await gone.projects.old.gateway.usage([{ eventId: "a", model: "gpt-4o", inputTokens: 1000, outputTokens: 0 }]), 200);
      expectStatus(await gone.root.delete(`/v1/organizations/${gone.orgId}/projects/${gone.projects.old.id}`), 204);
      expectStatus(await gone.root.delete(`/v1/organizations/${gone.orgId}`), 204);
      const [{ name, deleted_at }] = await sqlQuery(backend, "select name, deleted_at from organizations where id = $1", [gone.orgId]);
      const { stdout } = await run("--org", gone.orgId);
      assert.match(stdout, new RegExp(`^${name} \\(${gone.orgId}, deleted ${deleted_at}\\), \\d{4}-\\d\\d \\(open\\):\n`));
      assert.match(stdout, /\ntotal +0\.002500\n$/);
      assert.match((await run("--org", gone.orgId, "--month", "2020-01")).stdout, /, 2020-01 \(final\):\n/);
    });

    if (dialect.name === "sqlite") {
      it("reads only an existing, migrated store: a mistyped path is named, not created", async () => {
        const dir = mkdtempSync(join(tmpdir(), "tenancy-cli-"));
        const missing = join(dir, "typo", "tenancy.db");
        const withStore = (url: string) => exec(process.execPath, [join(ROOT, "dist", "scripts", "usage.js"), "--org", t.orgId], { cwd: ROOT, env: { ...process.env, TENANCY_DATABASE_URL: url } });
        await assert.rejects(withStore(`sqlite:${missing}`), (e: any) => e.stderr === `TENANCY_DATABASE_URL names no database: ${missing} does not exist; point it at the server's store\n`);
        assert.equal(existsSync(join(dir, "typo")), false);
        const empty = join(dir, "empty.db");
        writeFileSync(empty, "");
        await assert.rejects(withStore(`sqlite:${empty}`), (e: any) => e.stderr.startsWith("the store of TENANCY_DATABASE_URL is not a tenancy store at this version's schema (it lacks 001-initial, "));
      });
    }

    it("says what is wrong with its arguments", async () => {
      await assert.rejects(run("--month", "2026-1"), (e: any) => e.stderr === "--org is required\nusage: npm run -s usage -- --org ORG_ID [--month YYYY-MM]\n");
      await assert.rejects(run("--org", t.orgId, "--month", "2026-1"), (e: any) => e.stderr.startsWith('--month must be a month as YYYY-MM, got "2026-1"'));
      await assert.rejects(run("--org", "org_nope12345"), (e: any) => e.stderr === 'no organization "org_nope12345" in the store of TENANCY_DATABASE_URL\n');
    });
  });
}
