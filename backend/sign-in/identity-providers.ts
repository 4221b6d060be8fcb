import * as oidc from "openid-client";
import { TenancyError } from "../../schema/errors";
import { isSafeUrl, OidcProviderConfig } from "../config";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import { organizationProvider, organizationProviderFor, ProviderChoice } from "./organization-providers";
import type { SecretBox } from "./secret-box";

/** What a provider asserted about the person, once openid-client validated the ID token. */
export interface Assertion {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  authTime?: string;
  mfa: boolean;
}

/** One authorization code flow's secrets: kept by the backend until the provider calls back. */
export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * RFC 8176 methods that are a second factor (or say there were several): an `amr` holding one of
 * them asserts MFA; a password (`pwd`) or a one-factor `otp`-less login does not.
 */
const SECOND_FACTORS = new Set(["mfa", "otp", "hwk", "swk", "sms", "tel", "fpt", "face", "iris", "retina", "vbm"]);

export const SCOPE = "openid email";
/** How far the provider's clock may run ahead of this backend's. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * The identity providers tenancy signs people in with, as their relying party: every protocol
 * step (discovery, PKCE, state and nonce, the code exchange, the ID token's signature, issuer,
 * audience, expiry and nonce) is openid-client's, a certified implementation. Discovery documents
 * are kept per issuer for the life of the app; a failed one is asked again next time.
 */
export class IdentityProviders {
  private readonly discovered = new Map<string, Promise<oidc.Configuration>>();

  constructor(
    private readonly instanceDefault: OidcProviderConfig | undefined,
    /** The backend's callback, registered at every provider. */
    readonly redirectUri: string,
    /** Opens organizations' client secrets. */
    private readonly secrets?: SecretBox,
  ) {}

  /**
   * Home-realm discovery: the provider that signs in this email — the one of the organization that
   * lists its domain and configured OIDC (organization-providers.ts), else the instance default.
   */
  async forEmail(db: Executor, email: string): Promise<ProviderChoice> {
    const own = await organizationProviderFor(db, this.secrets, email);
    if (own) return own;
    if (this.instanceDefault) return this.instanceDefault;
    throw invalidField("email", `no identity provider signs in ${email.split("@")[1] ?? email}: no organization lists that domain with its own OIDC provider, and this backend has no TENANCY_OIDC_ISSUER; ask its operator, or get a token with npm run token on the server host`);
  }

  /** The provider a flow was started with, if it is still configured with the same issuer. */
  async forFlow(db: Executor, flow: { organization_id: string | null; issuer: string }): Promise<ProviderChoice | undefined> {
    const provider = flow.organization_id ? await organizationProvider(db, this.secrets, flow.organization_id) : this.instanceDefault;
    return provider?.issuer === flow.issuer ? provider : undefined;
  }

  /** Where the person's browser goes to sign in. */
  async authorizationUrl(provider: OidcProviderConfig, loginHint: string): Promise<{ url: URL; secrets: FlowSecrets }> {
    const config = await this.configuration(provider);
    const secrets: FlowSecrets = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
      code_challenge_method: "S256",
      state: secrets.state,
      nonce: secrets.nonce,
      login_hint: loginHint,
    });
    return { url, secrets };
  }

  /**
   * Exchanges the callback's code and validates the ID token; throws a `SignInRefused` naming what
   * was wrong (the provider's own error, a state or nonce that does not match, a bad token).
   */
  async exchange(provider: OidcProviderConfig, callbackUrl: URL, secrets: FlowSecrets): Promise<Assertion> {
    const config = await this.configuration(provider);
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: secrets.codeVerifier, expectedState: secrets.state, expectedNonce: secrets.nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (error) {
      throw new SignInRefused(refusalOf(error));
    }
    if (!claims) throw new SignInRefused("the identity provider returned no ID token");
    // openid-client refuses an ID token issued too long ago, not one issued in the future (a
    // provider's clock, or a token minted ahead to be used later): that one check is added here.
    const ahead = claims.iat - Math.floor(Date.now() / 1000);
    if (ahead > CLOCK_SKEW_SECONDS) throw new SignInRefused(`the identity provider's ID token failed its "iat" check: it says it was issued ${ahead} seconds in the future (more than the ${CLOCK_SKEW_SECONDS} allowed for clock skew)`);
    const amr = Array.isArray(claims.amr) ? claims.amr.map(String) : [];
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof claims.email === "string" ? claims.email.trim().toLowerCase() : undefined,
      emailVerified: claims.email_verified === true,
      authTime: typeof claims.auth_time === "number" ? new Date(claims.auth_time * 1000).toISOString() : undefined,
      mfa: amr.some((m) => SECOND_FACTORS.has(m)),
    };
  }

  private configuration(provider: OidcProviderConfig): Promise<oidc.Configuration> {
    // The secret is part of the key: a rotated one must not keep using the old configuration.
    const key = `${provider.issuer}\n${provider.clientId}\n${provider.clientSecret}`;
    let config = this.discovered.get(key);
    if (!config) {
      const issuer = new URL(provider.issuer);
      // Plain http only reaches a provider on this machine (config.ts refuses any other).
      // The ID token's signature is checked against the provider's JWKS too: openid-client skips it
      // by default for a token straight from the token endpoint (trusting TLS), and an organization's
      // provider is configured by that organization's admins.
      const execute = [oidc.enableNonRepudiationChecks, ...(issuer.protocol === "http:" && isSafeUrl(issuer) ? [oidc.allowInsecureRequests] : [])];
      const options = { execute };
      config = oidc.discovery(issuer, provider.clientId, undefined, oidc.ClientSecretBasic(provider.clientSecret), options).catch((error: unknown) => {
        this.discovered.delete(key);
        throw new TenancyError("unavailable", `the identity provider ${provider.issuer} did not answer its discovery document (${error instanceof Error ? error.message : "no answer"}); try again shortly`, { retryAfterSeconds: 5 });
      });
      this.discovered.set(key, config);
    }
    return config;
  }
}

/** A sign-in the provider or its answer refused; `reason` is safe to show and to audit. */
export class SignInRefused extends Error {
  override readonly name = "SignInRefused";
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** openid-client names the ID token claim that failed its check (nonce, aud, iss, exp…) down its `cause` chain. */
function failedClaim(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const claim = (e as { claim?: unknown }).claim;
    if (typeof claim === "string") return claim;
  }
  return undefined;
}

/** An error's message and its causes' (openid-client wraps the one that says what failed, such as the signature). */
function causes(error: Error): string[] {
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) if (!messages.includes(e.message)) messages.push(e.message);
  return messages;
}

function refusalOf(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return `the identity provider answered ${error.error}${error.error_description ? `: ${error.error_description}` : ""}`;
  if (error instanceof oidc.ResponseBodyError) return `the identity provider refused the code: ${error.error}${error.error_description ? ` (${error.error_description})` : ""}`;
  const claim = failedClaim(error);
  if (claim) return `the identity provider's ID token failed its "${claim}" check: ${(error as Error).message}`;
  if (error instanceof Error) return `the identity provider's answer did not validate: ${causes(error).join(": ")}`;
  return "the identity provider's answer did not validate";
}
