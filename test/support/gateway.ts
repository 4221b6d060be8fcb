import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./backend";

const exec = promisify(execFile);

/**
 * Gateway credentials as an operator gets them: `npm run -s gateway-token` on the server host
 * (the compiled script, against the backend's store).
 */
export async function gatewayToken(databaseUrl: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, [join(ROOT, "dist", "scripts", "gateway-token.js"), ...args], { cwd: ROOT, env: { ...process.env, TENANCY_DATABASE_URL: databaseUrl } });
}

/** Mints a credential called `name` in the store; returns its secret (the one line on stdout). */
export async function mintGateway(databaseUrl: string, name: string): Promise<string> {
  return (await gatewayToken(databaseUrl, name)).stdout.trim();
}

const perStore = new Map<string, Promise<string>>();
/** One credential per store, minted on first use: what the data-plane suites call with. */
export function storeGateway(databaseUrl: string): Promise<string> {
  let secret = perStore.get(databaseUrl);
  if (!secret) {
    secret = mintGateway(databaseUrl, "test-gateway");
    perStore.set(databaseUrl, secret);
  }
  return secret;
}
