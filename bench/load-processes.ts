import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";

/**
 * The flood benchmark's two load generators run as processes of their own: a flood built in the
 * benchmark's own event loop (1,000-event bodies, as fast as the server refuses them) delays the
 * calm client's timers, and the tail it measured was the load tool's, not the server's.
 */

/** Pins every thread of `pid` to `core`; false when taskset is not there. */
export function pin(pid: number, core: number): boolean {
  try {
    execFileSync("taskset", ["-a", "-c", "-p", String(core), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Starts `script` (a .ts file beside this one) under ts-node with `env`; its stdout is one JSON line. */
export function spawnTool(script: string, env: Record<string, string>, niceness = 0): { child: ChildProcess; result: Promise<unknown> } {
  const args = ["-r", "ts-node/register/transpile-only", join(__dirname, script)];
  const child = niceness ? spawn("nice", ["-n", String(niceness), process.execPath, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] }) : spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  const result = new Promise<unknown>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code ?? signal}: ${out.slice(0, 300)}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? ""));
      } catch {
        reject(new Error(`${script} printed no result: ${out.slice(0, 300)}`));
      }
    });
  });
  return { child, result };
}
