import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ROOT, SERVER } from "../support/backend";

/** The server validates its environment once and fails with a sentence naming the variable. */
describe("backend configuration", () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, [SERVER], { cwd: ROOT, env: { ...process.env, TENANCY_DATABASE_URL: "sqlite:/nonexistent-never-opened/x.db", ...env }, encoding: "utf8", timeout: 20_000 });

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ["a port that is not a number", { TENANCY_PORT: "http" }, /^TENANCY_PORT must be a whole number from 0 to 65535, got "http"\n$/],
    ["an unknown database scheme", { TENANCY_DATABASE_URL: "mysql://x" }, /^TENANCY_DATABASE_URL must be sqlite:PATH or postgres:\/\/user:password@host\/db, got "mysql:\/\/x"\n$/],
    ["a short bootstrap token", { TENANCY_BOOTSTRAP_EMAIL: "a@b.test", TENANCY_BOOTSTRAP_TOKEN: "short" }, /^TENANCY_BOOTSTRAP_TOKEN must be at least 32 characters/],
    ["a bootstrap token without an email", { TENANCY_BOOTSTRAP_TOKEN: "x".repeat(40) }, /^TENANCY_BOOTSTRAP_EMAIL must be an email address/],
    ["a trusted proxy that is not a CIDR", { TENANCY_TRUSTED_PROXIES: "10.0.0.0/8, lb.internal" }, /^TENANCY_TRUSTED_PROXIES must be a comma-separated list of CIDRs such as 10.0.0.0\/8, got "lb.internal"/],
    ["an unknown log level", { TENANCY_LOG_LEVEL: "loud" }, /^TENANCY_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/],
  ];
  for (const [what, env, message] of cases) {
    it(`refuses ${what}, naming the variable`, () => {
      const run = start(env);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, message);
    });
  }
});
