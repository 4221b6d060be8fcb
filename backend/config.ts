import { isValidCIDR, parseCIDR } from "ipaddr.js";

/** Everything the backend reads from its environment, validated once at start-up. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly trustedProxies: readonly string[];
  readonly bootstrap?: { readonly email: string; readonly token: string };
  readonly logLevel: string;
  /** Management requests per caller per minute before 429 (0 turns the limit off). */
  readonly rateLimitPerMinute: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** How long a client may take to send one whole request (headers and body), in milliseconds. */
  readonly requestTimeoutMs: number;
  /** How long one instance may remember who a token or key is and a caller's role (0: never). */
  readonly authCacheMs: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function databaseUrl(raw: string | undefined): string {
  const url = raw || "sqlite:.tenancy/tenancy.db";
  if (/^sqlite:.+/.test(url) || /^postgres(ql)?:\/\/.+/.test(url)) return url;
  throw new ConfigError(`TENANCY_DATABASE_URL must be sqlite:PATH or postgres://user:password@host/db, got "${url}"`);
}

function trustedProxies(raw: string | undefined): string[] {
  const list = (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const entry of list) {
    const ok = entry.includes("/") ? isValidCIDR(entry) : isValidCIDR(`${entry}/${entry.includes(":") ? 128 : 32}`);
    if (!ok) throw new ConfigError(`TENANCY_TRUSTED_PROXIES must be a comma-separated list of CIDRs such as 10.0.0.0/8, got "${entry}"`);
    if (entry.includes("/")) parseCIDR(entry);
  }
  return list;
}

function bootstrap(env: NodeJS.ProcessEnv): Config["bootstrap"] {
  const email = env.TENANCY_BOOTSTRAP_EMAIL?.trim().toLowerCase();
  const token = env.TENANCY_BOOTSTRAP_TOKEN;
  if (!email && !token) return undefined;
  if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new ConfigError("TENANCY_BOOTSTRAP_EMAIL must be an email address when TENANCY_BOOTSTRAP_TOKEN is set");
  }
  if (!token || token.length < 32) {
    throw new ConfigError("TENANCY_BOOTSTRAP_TOKEN must be at least 32 characters when TENANCY_BOOTSTRAP_EMAIL is set");
  }
  return { email, token };
}

/** Reads and validates the environment; throws a `ConfigError` naming the variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.TENANCY_LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`TENANCY_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  return Object.freeze({
    host: env.TENANCY_HOST || "127.0.0.1",
    port: integer(env, "TENANCY_PORT", 7410, 0, 65535),
    databaseUrl: databaseUrl(env.TENANCY_DATABASE_URL),
    trustedProxies: Object.freeze(trustedProxies(env.TENANCY_TRUSTED_PROXIES)),
    bootstrap: bootstrap(env),
    logLevel,
    rateLimitPerMinute: integer(env, "TENANCY_RATE_LIMIT_PER_MINUTE", 6000, 0, 10_000_000),
    bodyLimit: integer(env, "TENANCY_BODY_LIMIT_BYTES", 64 * 1024, 1024, 10 * 1024 * 1024),
    requestTimeoutMs: integer(env, "TENANCY_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000),
    // At most a second: DESIGN.md promises that a revocation counts on every instance within one.
    authCacheMs: integer(env, "TENANCY_AUTH_CACHE_MS", 500, 0, 1000),
  });
}
