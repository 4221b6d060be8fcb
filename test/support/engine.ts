import { PulumiCommand } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "./backend";

/**
 * The real Pulumi engine for end-to-end tests: provisioned by scripts/engine.sh (built from the
 * Go module proxy and cached, or a recent `pulumi` from the PATH) and driven through the
 * Automation API. A missing engine fails the suite loudly; it is never skipped.
 */

let binDir: string | undefined;

/** The folder holding `pulumi`, `pulumi-language-nodejs` and the dynamic-provider plugin. */
export function engineBin(): string {
  binDir ??= execFileSync("bash", [join(ROOT, "scripts", "engine.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return binDir;
}

export async function pulumiCommand(): Promise<PulumiCommand> {
  return PulumiCommand.get({ root: dirname(engineBin()) });
}

/** Environment for an offline engine run with its state (and Pulumi home) under `stateDir`. */
export function engineEnv(stateDir: string): Record<string, string> {
  mkdirSync(join(stateDir, "home"), { recursive: true });
  return {
    PATH: [engineBin(), join(ROOT, "node_modules", "@pulumi", "pulumi"), process.env.PATH].join(":"),
    PULUMI_HOME: join(stateDir, "home"),
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "tenancy-tests-only",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}
