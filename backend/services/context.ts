import type { AuthCache } from "../auth/auth-cache";
import type { Store } from "../store/db";
import type { TokenRow, UserRow } from "../store/tables";

/** Who is calling: the user behind the management token, and that token. */
export interface Caller {
  readonly user: UserRow;
  readonly token: TokenRow;
}

/** Everything a service needs about one request; built by the route layer, never stored. */
export interface Ctx {
  readonly store: Store;
  readonly caller: Caller;
  /** The client address, after TENANCY_TRUSTED_PROXIES were applied to X-Forwarded-For. */
  readonly ip: string;
  readonly requestId: string;
  /** The request's clock: one `now` per request, so every row it writes agrees. */
  readonly now: string;
  /** Where reads may find the caller's standing in an organization (the pipeline's; none in tests that build a Ctx). */
  readonly authCache?: AuthCache;
}

/** Drops absent optional fields: the wire omits them rather than sending null. */
export function compact<T extends Record<string, unknown>>(obj: T): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== null && v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}
