import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { firstLines, parsePreview, Preview } from "./preview";

/**
 * Where a review's preview comes from: a saved `pulumi preview --json` file, or a preview of a
 * stack run now. The stack is selected through the Automation API (which checks that it exists
 * and that the engine is recent enough) and previewed with `--json --show-sames --refresh`, so the
 * review sees every resource, the URNs each input came from, and what changed in the backend
 * outside the stack. The engine is a `pulumi` on the PATH
 * when recent enough, else the project's own (scripts/engine.sh builds and caches it).
 */

/** The package's root (the folder holding scripts/engine.sh), from dist/provider/review/. */
export const PACKAGE_ROOT = resolve(__dirname, "..", "..", "..");

export interface PreviewSource {
  stack?: string;
  cwd: string;
  previewJson?: string;
  /** Extra environment for the engine (tests point it at their backend and state folder). */
  env?: Record<string, string>;
  /** False to preview without refreshing first (`--no-refresh`): faster, but blind to out-of-band changes. */
  refresh?: boolean;
}

export interface LoadedPreview {
  preview: Preview;
  stack?: string;
  /** Credentials the preview ran with (the stack's configured token), for the report to redact. */
  credentials: string[];
  /** The backend the stack's provider talks to (its config, else TENANCY_ENDPOINT and TENANCY_TOKEN), when known. */
  backend?: { endpoint: string; token: string };
}

export async function loadPreview(source: PreviewSource): Promise<LoadedPreview> {
  if (source.previewJson) {
    const file = resolve(source.cwd, source.previewJson);
    if (!existsSync(file)) throw new UsageError(`--preview-json: no file ${file}`);
    return { preview: parsePreview(readFileSync(file, "utf8"), file), credentials: [], backend: backendOf(undefined, undefined, source.env) };
  }
  if (!existsSync(join(source.cwd, "Pulumi.yaml")) && !existsSync(join(source.cwd, "Pulumi.yml"))) {
    throw new UsageError(`--cwd: ${source.cwd} holds no Pulumi.yaml; pass the folder of the Pulumi program, or --preview-json FILE`);
  }
  const { env, bin } = engineEnv(source.cwd, source.env ?? {});
  const pulumiCommand = await PulumiCommand.get({ root: dirname(bin) });
  const ws = await LocalWorkspace.create({ workDir: source.cwd, pulumiCommand, envVars: env });
  const stack = source.stack ?? (await ws.stack())?.name;
  if (!stack) throw new UsageError(`--stack: no stack is selected in ${source.cwd}; name one (existing: ${(await ws.listStacks()).map((s) => s.name).join(", ") || "none"})`);
  await LocalWorkspace.selectStack({ stackName: stack, workDir: source.cwd }, { pulumiCommand, envVars: env }).catch((err: Error) => {
    throw new UsageError(`--stack: ${stack} cannot be selected in ${source.cwd}: ${firstLine(err.message)}`);
  });
  // The program under review can read the token it runs with: the report must not show it.
  const token = await ws.getConfig(stack, "tenancy:token").then((c) => c.value, () => undefined);
  const endpoint = await ws.getConfig(stack, "tenancy:endpoint").then((c) => c.value, () => undefined);
  const refresh = source.refresh ?? true;
  const json = await runPreview(pulumiCommand.command, stack, source.cwd, env, refresh);
  // Made with --show-sames: whatever it holds is the whole layout.
  return { preview: { ...parsePreview(json, `the preview of stack ${stack}`), complete: true, refreshed: refresh }, stack, credentials: token ? [token] : [], backend: backendOf(endpoint, token, source.env) };
}

/** Where the provider would find the backend: the stack's config, else the environment, as provider/config.ts reads it. */
function backendOf(endpoint: string | undefined, token: string | undefined, extra: Record<string, string> = {}): LoadedPreview["backend"] {
  const env = { ...process.env, ...extra };
  const [e, t] = [endpoint || env.TENANCY_ENDPOINT, token || env.TENANCY_TOKEN];
  return e && t ? { endpoint: e, token: t } : undefined;
}

function runPreview(command: string, stack: string, cwd: string, env: Record<string, string>, refresh: boolean): Promise<string> {
  return new Promise((done, fail) => {
    const args = ["preview", "--json", "--show-sames", "--non-interactive", "--stack", stack, ...(refresh ? ["--refresh"] : [])];
    execFile(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return done(stdout);
      // The engine reports a failed preview as JSON diagnostics on stdout; show their messages.
      let messages: string[] = [];
      try {
        messages = (JSON.parse(stdout).diagnostics ?? []).filter((d: { severity?: string }) => d.severity === "error").map((d: { message: string }) => d.message.trim());
      } catch {
        /* not JSON: stderr says why */
      }
      fail(new Error(`the preview of stack ${stack} failed:\n${firstLines(messages.length ? messages.join("\n") : stderr || String(err))}`));
    });
  });
}

/**
 * The engine's environment: the caller's, plus the engine and the dynamic-provider plugin on the
 * PATH and the offline defaults where unset. In this repository (`npm run -s review`) the state,
 * home and passphrase are the ones `npm run pulumi` and `npm start` use.
 */
export function engineEnv(cwd: string, extra: Record<string, string>): { env: Record<string, string>; bin: string } {
  const merged = { ...process.env, ...extra } as Record<string, string>;
  const bin = execFileSync("bash", [join(PACKAGE_ROOT, "scripts", "engine.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: merged }).trim();
  let sdk = join(PACKAGE_ROOT, "node_modules", "@pulumi", "pulumi");
  try {
    sdk = dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [cwd] }));
  } catch {
    /* the program's folder has no SDK of its own: the package's */
  }
  const env: Record<string, string> = {
    ...extra,
    PATH: [bin, sdk, merged.PATH].join(":"),
    PULUMI_SKIP_UPDATE_CHECK: merged.PULUMI_SKIP_UPDATE_CHECK ?? "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: merged.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "true",
  };
  if (resolve(cwd) === PACKAGE_ROOT) {
    const home = join(PACKAGE_ROOT, ".tenancy");
    mkdirSync(join(home, "pulumi-home"), { recursive: true });
    env.PULUMI_HOME = merged.PULUMI_HOME ?? join(home, "pulumi-home");
    env.PULUMI_BACKEND_URL = merged.PULUMI_BACKEND_URL ?? `file://${join(home, "state")}`;
    if (!merged.PULUMI_CONFIG_PASSPHRASE && !merged.PULUMI_CONFIG_PASSPHRASE_FILE && existsSync(join(home, "passphrase"))) {
      env.PULUMI_CONFIG_PASSPHRASE_FILE = join(home, "passphrase");
    }
  }
  return { env, bin };
}

const firstLine = (s: string) => s.split("\n").find((l) => l.trim() && !/^(code|stdout|stderr|err\?):/.test(l.trim()))?.trim() ?? s;

/** A wrong argument: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}
