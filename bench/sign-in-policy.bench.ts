import { mintToken } from "../backend/services/tokens.service";
import { openStore } from "../backend/store/db";
import { Backend, Dialect, startBackend } from "../test/support/backend";
import { Comparison, compare, load } from "./measure";

/**
 * What enforcing sign-in policy costs a request (issue 22): one project read by a person's
 * signed-in token with MFA, in an organization enforcing SSO and MFA against the same read in an
 * organization without them, same token, same server, same run. The session is minted with the
 * backend's own mintToken, as a finished sign-in does: what it costs per request does not depend
 * on how the sign-in went.
 */

const REQUESTS = 400;
const CONCURRENCY = 8;
const ISSUER = "https://idp.bench.test";

async function call(b: Backend, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(b.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A signed-in session of the bootstrap user at ISSUER, with MFA. */
async function signedIn(b: Backend): Promise<string> {
  const me = await call(b, b.token, "GET", "/v1/me");
  const store = openStore(b.databaseUrl);
  try {
    const now = new Date().toISOString();
    const signIn = { issuer: ISSUER, subject: "bench", authTime: now, mfa: true };
    return (await mintToken(store.db, me.user.id, "sign-in", now, 1, undefined, { ageFrom: now, idleMaxSeconds: 0, expiresAt: null, signIn })).token!;
  } finally {
    await store.close();
  }
}

export async function signInPolicyBenchmarks(dialect: Dialect): Promise<Comparison[]> {
  const b = await startBackend({ dialect, env: { TENANCY_RATE_LIMIT_PER_MINUTE: "0" }, logToFile: true });
  try {
    const projectIn = async (name: string, securityPolicy: unknown) => {
      const org = await call(b, b.token, "POST", "/v1/organizations", { name, securityPolicy });
      const project = await call(b, b.token, "POST", `/v1/organizations/${org.id}/projects`, { name: "chat", environment: "development" });
      return `/v1/organizations/${org.id}/projects/${project.id}`;
    };
    const plain = await projectIn("Plain", {});
    const strict = await projectIn("Strict", { sso: { enforced: true, protocol: "oidc", issuer: ISSUER }, session: { requireMfa: true } });
    const token = await signedIn(b);
    const reads = (path: string) => () => load(REQUESTS, CONCURRENCY, () => call(b, token, "GET", path));
    return [await compare(`${dialect.name}: SSO and MFA policy`, ["GET a project, no sign-in policy", reads(plain)], ["GET a project, SSO and MFA enforced", reads(strict)])];
  } finally {
    await b.dispose();
  }
}
