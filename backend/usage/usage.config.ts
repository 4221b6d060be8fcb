import { defaultPricesPath } from "./prices";

/** The data plane's environment, validated once at start-up (backend/config.ts holds the rest). */
export interface UsageConfig {
  /** `redis://…`: counters shared by every instance; absent: in this process. */
  readonly redisUrl?: string;
  /** Prefix of every Redis key (several deployments, or test runs, can share one Redis). */
  readonly redisPrefix: string;
  readonly pricesPath: string;
  /** How long an unsettled reservation holds budget before it lapses on its own. */
  readonly holdSeconds: number;
}

export class UsageConfigError extends Error {
  override readonly name = "UsageConfigError";
}

export function loadUsageConfig(env: NodeJS.ProcessEnv = process.env): UsageConfig {
  const redisUrl = env.TENANCY_REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\/.+/.test(redisUrl)) {
    throw new UsageConfigError(`TENANCY_REDIS_URL must be redis://[user:password@]host:port[/db] (or rediss://), got "${redisUrl.replace(/\/\/[^@/]*@/, "//…@")}"`);
  }
  const prefix = env.TENANCY_REDIS_PREFIX ?? "tenancy:";
  if (!/^[A-Za-z0-9:._-]{0,64}$/.test(prefix)) throw new UsageConfigError(`TENANCY_REDIS_PREFIX must be up to 64 letters, digits, ':', '.', '_' or '-', got "${prefix}"`);
  const raw = env.TENANCY_RESERVATION_TTL_SECONDS;
  const holdSeconds = raw ? Number(raw) : 300;
  if (!Number.isInteger(holdSeconds) || holdSeconds < 1 || holdSeconds > 86_400) {
    throw new UsageConfigError(`TENANCY_RESERVATION_TTL_SECONDS must be a whole number from 1 to 86400, got "${raw}"`);
  }
  return Object.freeze({ redisUrl, redisPrefix: prefix, pricesPath: env.TENANCY_PRICES || defaultPricesPath(), holdSeconds });
}
