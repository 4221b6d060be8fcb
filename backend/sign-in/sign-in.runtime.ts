import type { Config } from "../config";
import { IdentityProviders } from "./identity-providers";
import { CALLBACK_PATH } from "./pages.routes";
import { SecretBox, secretBoxOf } from "./secret-box";

/** What sign-in needs for the life of the app, built once by `buildApp` from its config. */
export interface SignInRuntime {
  readonly providers: IdentityProviders;
  /** The base of every link a person is sent to, and of the redirect URI. */
  readonly publicUrl: string;
  /** Seals and opens organizations' client secrets (absent without TENANCY_ENCRYPTION_KEY). */
  readonly secrets?: SecretBox;
  /** Where the verification form may lead (Content-Security-Policy `form-action`) besides a device's own provider. */
  readonly providerOrigins: readonly string[];
}

export function signInRuntime(config: Config): SignInRuntime {
  const secrets = secretBoxOf(config);
  return Object.freeze({
    providers: new IdentityProviders(config.oidc, `${config.publicUrl}${CALLBACK_PATH}`, secrets),
    secrets,
    publicUrl: config.publicUrl,
    providerOrigins: config.oidc ? [new URL(config.oidc.issuer).origin] : [],
  });
}
