import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./backend";
import { Browser, signInAtProvider } from "./identity-provider";

/** The compiled `tenancy` command line, run as a person runs it. */
export const CLI = join(ROOT, "dist", "provider", "cli", "index.js");

export interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
}

/** `tenancy ARGS` as a child process in `env`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
}

/**
 * `tenancy login --endpoint URL --email EMAIL` to its end: waits for the link it prints, signs in
 * at the provider as `account` in a browser of its own, and expects the command to exit 0.
 */
export async function cliLogin(o: { endpoint: string; email: string; account: string; issuer: string; env: NodeJS.ProcessEnv }): Promise<{ login: Run; link: string; userCode: string }> {
  const login = runCli(["login", "--endpoint", o.endpoint, "--email", o.email], o.env);
  const link = await new Promise<string>((resolve, reject) => {
    login.child.stderr!.on("data", () => {
      const m = /(http:\/\/\S+\/console\/device\?user_code=\S+)/.exec(login.stderr());
      if (m) resolve(m[1]);
    });
    login.child.once("exit", () => reject(new Error(`login exited before printing a link: ${login.stderr()}`)));
  });
  const userCode = new URL(link).searchParams.get("user_code")!;
  const { browser, callback } = await signInAtProvider(new Browser(), { verificationUri: link.split("?")[0], verificationUriComplete: link, userCode }, o.account, o.issuer, o.endpoint);
  assert.equal((await browser.request(callback)).status, 200);
  assert.equal(await exitOf(login.child), 0, login.stderr());
  return { login, link, userCode };
}
