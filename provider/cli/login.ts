import { spawn } from "node:child_process";
import { createInterface } from "node:readline/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { credentialFor } from "../config";
import { UsageError } from "../review/run";
import { credentialsPath, endpointKey, forgetSession, onlyStoredEndpoint, storedSession, storeSession } from "./credentials-file";

/**
 * `tenancy login`, `tenancy logout`, `tenancy whoami`: sign in through the backend's identity
 * provider with the device grant (RFC 8628) and keep the session in the user's config folder.
 * Talk goes to stderr; stdout carries only `whoami`'s answer.
 */

const DEFAULT_ENDPOINT = "http://127.0.0.1:7410";

interface Answer {
  status: number;
  body: any;
}

async function post(endpoint: string, path: string, body: unknown, token?: string): Promise<Answer> {
  const res = await fetch(`${endpoint}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function get(endpoint: string, path: string, token: string): Promise<Answer> {
  const res = await fetch(`${endpoint}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const failed = (what: string, a: Answer) => new Error(`${what}: ${a.body?.detail ?? `HTTP ${a.status}`}`);

/** The endpoint a command means: --endpoint, else TENANCY_ENDPOINT, else the one signed in to, else the local default. */
function endpointOf(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const endpoint = given ?? (env.TENANCY_ENDPOINT || undefined) ?? onlyStoredEndpoint(env) ?? DEFAULT_ENDPOINT;
  try {
    return endpointKey(endpoint);
  } catch {
    throw new UsageError(`--endpoint must be a URL such as ${DEFAULT_ENDPOINT}, not '${endpoint}'`);
  }
}

async function askEmail(): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError("--email is required when nobody is at the terminal to type it");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question("Email: ")).trim();
  } finally {
    rl.close();
  }
}

/** Opens the link where a desktop can (best effort: the link is printed anyway). */
function openBrowser(url: string, env: NodeJS.ProcessEnv): void {
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? undefined : env.DISPLAY || env.WAYLAND_DISPLAY ? "xdg-open" : undefined;
  if (!opener || env.TENANCY_NO_BROWSER) return;
  const child = spawn(opener, [url], { stdio: "ignore", detached: true });
  child.on("error", () => undefined);
  child.unref();
}

export async function login(args: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const endpoint = endpointOf(args.endpoint, env);
  const email = args.email ?? (await askEmail());
  const started = await post(endpoint, "/v1/auth/device", { email });
  if (started.status !== 200) throw failed(`signing in at ${endpoint}`, started);
  const device = started.body as { deviceCode: string; userCode: string; verificationUri: string; verificationUriComplete: string; expiresIn: number; interval: number };
  process.stderr.write(`To sign in as ${email}, open\n\n  ${device.verificationUriComplete}\n\nand check that it shows the code ${device.userCode}. Waiting…\n`);
  openBrowser(device.verificationUriComplete, env);
  let interval = device.interval;
  for (;;) {
    await sleep(interval * 1000);
    const polled = await post(endpoint, "/v1/auth/token", { deviceCode: device.deviceCode });
    if (polled.status === 200) {
      const { token, expiresAt, user, signIn } = polled.body;
      const me = await get(endpoint, "/v1/me", token);
      storeSession(endpoint, { token, tokenId: me.body?.token?.id, email: user.email, expiresAt, signIn }, env);
      process.stderr.write(`Signed in to ${endpoint} as ${user.email} until ${expiresAt}; the session is in ${credentialsPath(env)}.\n`);
      return 0;
    }
    const code = polled.body?.code;
    if (code === "authorization_pending") continue;
    if (code === "slow_down") {
      interval += 5;
      continue;
    }
    throw failed("sign-in did not finish", polled);
  }
}

export async function logout(args: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const endpoint = endpointOf(args.endpoint, env);
  const session = storedSession(endpoint, env);
  if (!session) {
    process.stderr.write(`Not signed in to ${endpoint}.\n`);
    return 0;
  }
  const revoked = await post(endpoint, "/v1/auth/logout", undefined, session.token);
  // Already revoked or expired there: nothing left to revoke, the session is forgotten all the same.
  if (revoked.status !== 204 && revoked.status !== 401) throw failed(`signing out of ${endpoint}`, revoked);
  forgetSession(endpoint, env);
  process.stderr.write(`Signed out of ${endpoint}: the token is revoked and forgotten.\n`);
  return 0;
}

/** Who the commands act as: the user, the backend, until when, how they signed in, and which credential that is. */
export async function whoami(args: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const credential = credentialFor({ endpoint: args.endpoint }, env);
  const me = await get(credential.endpoint, "/v1/me", credential.token);
  if (me.status !== 200) throw failed(`asking ${credential.endpoint} who this is (credential: ${credential.source})`, me);
  const token = await get(credential.endpoint, `/v1/tokens/${me.body.token.id}`, credential.token);
  const t = token.status === 200 ? token.body : {};
  const lines = [
    `user:       ${me.body.user.email} (${me.body.user.id})`,
    `endpoint:   ${credential.endpoint}`,
    `credential: ${credential.source}`,
    `expires:    ${t.expiresAt ?? "never"}`,
    `sso:        ${t.signIn ? `${t.signIn.issuer} (subject ${t.signIn.subject})` : me.body.token.breakGlass ? "no: minted on the server host, the operator's break-glass credential (SSO and MFA do not apply)" : "no (not from a sign-in)"}`,
    `mfa:        ${t.signIn?.mfa ? "yes" : "no"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
