import type { Config } from "../config";
import type { Store } from "../store/db";
import type { TokenRow, UserRow } from "../store/tables";
import type { AuthCache } from "./auth-cache";
import type { SecretBox } from "../sign-in/secret-box";

/** Who is calling: the user behind the management token, and that token. */
export interface Caller {
  readonly user: UserRow;
  readonly token: TokenRow;
}

/** Where this instance signs people in: what an organization's SSO policy falls back on and points people to. */
export interface SignInDefaults {
  /** The instance-wide identity provider (TENANCY_OIDC_ISSUER), for organizations that name none. */
  readonly issuer?: string;
  /** Where people reach this backend to sign in (TENANCY_PUBLIC_URL). */
  readonly publicUrl: string;
}

export function signInDefaults(config: Pick<Config, "oidc" | "publicUrl">): SignInDefaults {
  return Object.freeze({ issuer: config.oidc?.issuer, publicUrl: config.publicUrl });
}

/** Everything a service needs about one request; built by the pipeline, never stored. */
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
  readonly signIn: SignInDefaults;
  /** Seals the secrets a request stores (an organization's SSO client secret); absent without TENANCY_ENCRYPTION_KEY. */
  readonly secrets?: SecretBox;
}
