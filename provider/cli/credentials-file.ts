import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/**
 * The sessions `tenancy login` keeps: `$XDG_CONFIG_HOME/tenancy/credentials.json` (else
 * `~/.config/…`), readable by its owner only, one entry per backend endpoint. The provider and
 * every command use the entry of their endpoint when neither `tenancy:token` nor `TENANCY_TOKEN`
 * is set.
 */

export interface StoredSession {
  token: string;
  tokenId?: string;
  email: string;
  expiresAt: string;
  signIn?: { issuer: string; subject: string; authTime?: string; mfa: boolean };
}

interface CredentialsFile {
  sessions: Record<string, StoredSession>;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "tenancy", "credentials.json");
}

/** An endpoint as a key: `http://127.0.0.1:7410/` and `http://127.0.0.1:7410` are one backend. */
export const endpointKey = (endpoint: string): string => new URL(endpoint).origin + new URL(endpoint).pathname.replace(/\/+$/, "");

function read(env: NodeJS.ProcessEnv): CredentialsFile {
  let text: string;
  try {
    text = readFileSync(credentialsPath(env), "utf8");
  } catch {
    return { sessions: {} };
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    return { sessions: parsed.sessions && typeof parsed.sessions === "object" ? parsed.sessions : {} };
  } catch {
    throw new Error(`${credentialsPath(env)} is not valid JSON; delete it and run tenancy login again`);
  }
}

/** Written whole to a private temporary file, then renamed: never a half-written or readable file. */
function write(file: CredentialsFile, env: NodeJS.ProcessEnv): void {
  const path = credentialsPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function storedSession(endpoint: string, env: NodeJS.ProcessEnv = process.env): StoredSession | undefined {
  return read(env).sessions[endpointKey(endpoint)];
}

/** The one endpoint signed in to, when there is exactly one (what `tenancy login` alone leaves). */
export function onlyStoredEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const endpoints = Object.keys(read(env).sessions);
  return endpoints.length === 1 ? endpoints[0] : undefined;
}

export function storeSession(endpoint: string, session: StoredSession, env: NodeJS.ProcessEnv = process.env): void {
  const file = read(env);
  file.sessions[endpointKey(endpoint)] = session;
  write(file, env);
}

export function forgetSession(endpoint: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = read(env);
  const key = endpointKey(endpoint);
  if (!(key in file.sessions)) return false;
  delete file.sessions[key];
  write(file, env);
  return true;
}
