import { isValidCIDR, parseCIDR } from "ipaddr.js";
import { z } from "zod";
import { DEFAULT_EVENTS_PER_SECOND, DEFAULT_GATEWAY_EVENTS_PER_SECOND, DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS } from "./usage/ingestion";
import { defaultPricesPath } from "./usage/prices";
import { MAX_EVENTS } from "../schema/usage";

/** The data plane's part of the environment. */
export interface UsageConfig {
  /** `redis://…`: counters shared by every instance; absent: in this process. */
  readonly redisUrl?: string;
  /** Prefix of every Redis key (several deployments, or test runs, can share one Redis). */
  readonly redisPrefix: string;
  /** The price table (TENANCY_PRICES), or the shipped one. */
  readonly pricesPath: string;
  /** How long an unsettled reservation holds budget before it lapses on its own. */
  readonly holdSeconds: number;
  /** Usage events one project may report per second (0: no limit). */
  readonly eventsPerSecond: number;
  /** Usage events one gateway credential may report per second, all projects together (0: no limit). */
  readonly gatewayEventsPerSecond: number;
  /** How long raw usage events are kept (the rollups are kept for ever). */
  readonly retentionDays: number;
}

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
  /** How long SIGTERM waits for the server, the stores and the log to close before exiting anyway. */
  readonly shutdownDeadlineMs: number;
  readonly usage: UsageConfig;
  /** The instance-wide identity provider people sign in with (absent: no sign-in). */
  readonly oidc?: OidcProviderConfig;
  /** Where browsers and the command line reach this backend: the base of sign-in links and the OIDC redirect URI. */
  readonly publicUrl: string;
  /** AES-256 key sealing the secrets the backend must use (organizations' SSO client secrets); absent: none can be stored. */
  readonly encryptionKey?: Buffer;
}

/** An OpenID Connect provider tenancy signs people in with, as a confidential client. */
export interface OidcProviderConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A variable's value once checked; a refusal is a sentence completing "NAME …" that quotes what was given. */
function variable<T>(read: (raw: string | undefined) => T | { refused: string }) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = read(raw === "" ? undefined : raw);
      if (typeof value === "object" && value !== null && "refused" in value) {
        ctx.addIssue({ code: "custom", message: value.refused });
        return z.NEVER;
      }
      return value as T;
    });
}

const wholeNumber = (fallback: number, min: number, max: number) =>
  variable((raw) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max ? n : { refused: `must be a whole number from ${min} to ${max}, got "${raw}"` };
  });

const databaseUrl = variable((raw) => {
  const url = raw ?? "sqlite:.tenancy/tenancy.db";
  return /^sqlite:.+/.test(url) || /^postgres(ql)?:\/\/.+/.test(url) ? url : { refused: `must be sqlite:PATH or postgres://user:password@host/db, got "${url}"` };
});

const trustedProxies = variable((raw) => {
  const list = (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const bad = list.find((entry) => !(entry.includes("/") ? isValidCIDR(entry) : isValidCIDR(`${entry}/${entry.includes(":") ? 128 : 32}`)));
  if (bad !== undefined) return { refused: `must be a comma-separated list of CIDRs such as 10.0.0.0/8, got "${bad}"` };
  for (const entry of list) if (entry.includes("/")) parseCIDR(entry);
  return Object.freeze(list);
});

// At least one whole batch a second (or 0, no limit): a smaller limit could never take a full batch.
const eventsPerSecond = (fallback: number) =>
  variable((raw) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    return /^\d+$/.test(raw) && (n === 0 || (n >= MAX_EVENTS && n <= 10_000_000)) ? n : { refused: `must be a whole number from ${MAX_EVENTS} to 10000000 (or 0 for no limit), got "${raw}"` };
  });

const logLevel = variable((raw) => {
  const level = raw ?? "info";
  return (LOG_LEVELS as readonly string[]).includes(level) ? level : { refused: `must be one of ${LOG_LEVELS.join(", ")}, got "${level}"` };
});

const redisUrl = variable((raw) =>
  raw === undefined || /^rediss?:\/\/.+/.test(raw) ? raw : { refused: `must be redis://[user:password@]host:port[/db] (or rediss://), got "${raw.replace(/\/\/[^@/]*@/, "//…@")}"` },
);

// An empty prefix is allowed (keys unprefixed), so this one reads the raw value as given.
const redisPrefix = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const prefix = raw ?? "tenancy:";
    if (/^[A-Za-z0-9:._-]{0,64}$/.test(prefix)) return prefix;
    ctx.addIssue({ code: "custom", message: `must be up to 64 letters, digits, ':', '.', '_' or '-', got "${prefix}"` });
    return z.NEVER;
  });

const text = variable((raw) => raw);

// The key itself is never quoted back: a refusal says only what shape was expected and what came.
const encryptionKey = variable((raw) => {
  if (raw === undefined) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw) ? Buffer.from(raw, "base64") : undefined;
  return key?.length === 32 ? key : { refused: `must be 32 random bytes, base64 (openssl rand -base64 32) or hex, got ${raw.length} characters that are neither` };
});

/** https, or plain http to this machine only (a local identity provider in development and tests). */
export function isSafeUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname));
}

// An issuer is kept exactly as given (it must equal the provider's own `issuer`, trailing slash and all).
const baseUrl = (example: string, exact = false) =>
  variable((raw) => {
    if (raw === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { refused: `must be a URL such as ${example}, got "${raw}"` };
    }
    if (!isSafeUrl(url)) return { refused: `must be an https:// URL (plain http only on 127.0.0.1 or localhost), got "${raw}"` };
    if (url.search || url.hash || url.username) return { refused: `must be a URL without query, fragment or credentials, got "${url.origin}${url.pathname}…"` };
    return exact ? raw : raw.replace(/\/+$/, "");
  });

/** The environment, variable by variable; what depends on two variables is checked after. */
const ENVIRONMENT = z
  .object({
    TENANCY_HOST: text,
    TENANCY_PORT: wholeNumber(7410, 0, 65535),
    TENANCY_DATABASE_URL: databaseUrl,
    TENANCY_TRUSTED_PROXIES: trustedProxies,
    TENANCY_BOOTSTRAP_EMAIL: variable((raw) => raw?.trim().toLowerCase()),
    TENANCY_BOOTSTRAP_TOKEN: text,
    TENANCY_LOG_LEVEL: logLevel,
    TENANCY_RATE_LIMIT_PER_MINUTE: wholeNumber(6000, 0, 10_000_000),
    TENANCY_BODY_LIMIT_BYTES: wholeNumber(64 * 1024, 1024, 10 * 1024 * 1024),
    TENANCY_REQUEST_TIMEOUT_MS: wholeNumber(30_000, 100, 600_000),
    // At most a second: DESIGN.md promises that a revocation counts on every instance within one.
    TENANCY_AUTH_CACHE_MS: wholeNumber(500, 0, 1000),
    TENANCY_SHUTDOWN_DEADLINE_MS: wholeNumber(10_000, 100, 600_000),
    TENANCY_REDIS_URL: redisUrl,
    TENANCY_REDIS_PREFIX: redisPrefix,
    TENANCY_PRICES: text,
    TENANCY_RESERVATION_TTL_SECONDS: wholeNumber(300, 1, 86_400),
    TENANCY_USAGE_EVENTS_PER_SECOND: eventsPerSecond(DEFAULT_EVENTS_PER_SECOND),
    TENANCY_GATEWAY_EVENTS_PER_SECOND: eventsPerSecond(DEFAULT_GATEWAY_EVENTS_PER_SECOND),
    TENANCY_USAGE_RETENTION_DAYS: wholeNumber(DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS, 36_500),
    TENANCY_PUBLIC_URL: baseUrl("https://tenancy.example.com"),
    TENANCY_OIDC_ISSUER: baseUrl("https://login.example.com", true),
    TENANCY_OIDC_CLIENT_ID: text,
    TENANCY_OIDC_CLIENT_SECRET: text,
    TENANCY_ENCRYPTION_KEY: encryptionKey,
  })
  .superRefine((env, ctx) => {
    const { TENANCY_BOOTSTRAP_EMAIL: email, TENANCY_BOOTSTRAP_TOKEN: token } = env;
    if (!email && !token) return;
    if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      ctx.addIssue({ code: "custom", path: ["TENANCY_BOOTSTRAP_EMAIL"], message: "must be an email address when TENANCY_BOOTSTRAP_TOKEN is set" });
    } else if (!token || token.length < 32) {
      ctx.addIssue({ code: "custom", path: ["TENANCY_BOOTSTRAP_TOKEN"], message: "must be at least 32 characters when TENANCY_BOOTSTRAP_EMAIL is set" });
    }
  })
  .superRefine((env, ctx) => {
    // The three name one client at one provider: a part of it is a mistake, never a default.
    const oidc = { TENANCY_OIDC_ISSUER: env.TENANCY_OIDC_ISSUER, TENANCY_OIDC_CLIENT_ID: env.TENANCY_OIDC_CLIENT_ID, TENANCY_OIDC_CLIENT_SECRET: env.TENANCY_OIDC_CLIENT_SECRET };
    const set = Object.entries(oidc).filter(([, v]) => v !== undefined);
    if (set.length === 0) return;
    const missing = Object.keys(oidc).find((name) => !set.some(([n]) => n === name));
    if (missing) ctx.addIssue({ code: "custom", path: [missing], message: `must be set too when ${set.map(([n]) => n).join(" and ")} ${set.length > 1 ? "are" : "is"} set (sign-in needs the issuer, the client id and the client secret)` });
    else if (!env.TENANCY_PUBLIC_URL && env.TENANCY_PORT === 0) {
      ctx.addIssue({ code: "custom", path: ["TENANCY_PUBLIC_URL"], message: "must be set when sign-in is on and TENANCY_PORT is 0 (the identity provider needs a fixed redirect URI)" });
    }
  });

const hostForUrl = (host: string) => (host.includes(":") ? `[${host}]` : host);

/** Reads and validates the environment once; throws a `ConfigError` naming the variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ENVIRONMENT.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${issue.path.join(".")} ${issue.message}`);
  }
  const e = parsed.data;
  return Object.freeze({
    host: e.TENANCY_HOST ?? "127.0.0.1",
    port: e.TENANCY_PORT,
    databaseUrl: e.TENANCY_DATABASE_URL,
    trustedProxies: e.TENANCY_TRUSTED_PROXIES,
    bootstrap: e.TENANCY_BOOTSTRAP_EMAIL && e.TENANCY_BOOTSTRAP_TOKEN ? Object.freeze({ email: e.TENANCY_BOOTSTRAP_EMAIL, token: e.TENANCY_BOOTSTRAP_TOKEN }) : undefined,
    logLevel: e.TENANCY_LOG_LEVEL,
    rateLimitPerMinute: e.TENANCY_RATE_LIMIT_PER_MINUTE,
    bodyLimit: e.TENANCY_BODY_LIMIT_BYTES,
    requestTimeoutMs: e.TENANCY_REQUEST_TIMEOUT_MS,
    authCacheMs: e.TENANCY_AUTH_CACHE_MS,
    shutdownDeadlineMs: e.TENANCY_SHUTDOWN_DEADLINE_MS,
    oidc:
      e.TENANCY_OIDC_ISSUER && e.TENANCY_OIDC_CLIENT_ID && e.TENANCY_OIDC_CLIENT_SECRET
        ? Object.freeze({ issuer: e.TENANCY_OIDC_ISSUER, clientId: e.TENANCY_OIDC_CLIENT_ID, clientSecret: e.TENANCY_OIDC_CLIENT_SECRET })
        : undefined,
    encryptionKey: e.TENANCY_ENCRYPTION_KEY,
    publicUrl: e.TENANCY_PUBLIC_URL ?? `http://${hostForUrl(e.TENANCY_HOST ?? "127.0.0.1")}:${e.TENANCY_PORT}`,
    usage: Object.freeze({
      redisUrl: e.TENANCY_REDIS_URL,
      redisPrefix: e.TENANCY_REDIS_PREFIX,
      pricesPath: e.TENANCY_PRICES ?? defaultPricesPath(),
      holdSeconds: e.TENANCY_RESERVATION_TTL_SECONDS,
      eventsPerSecond: e.TENANCY_USAGE_EVENTS_PER_SECOND,
      gatewayEventsPerSecond: e.TENANCY_GATEWAY_EVENTS_PER_SECOND,
      retentionDays: e.TENANCY_USAGE_RETENTION_DAYS,
    }),
  });
}
