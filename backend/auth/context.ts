import type { Store } from "../store/db";
import type { TokenRow, UserRow } from "../store/tables";
import type { AuthCache } from "./auth-cache";
import type { SecretBox } from "../sign-in/secret-box";

/** Who is calling: the user behind the management token, and that token. */
export interface Caller {
  readonly user: UserRow;
  readonly token: TokenRow;
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
  /** Seals the secrets a request stores (an organization's SSO client secret); absent without TENANCY_ENCRYPTION_KEY. */
  readonly secrets?: SecretBox;
}
