import type { z } from "zod";
import type { sso as ssoSchema } from "../../schema/organization";
import { ConfigError, OidcProviderConfig } from "../config";
import { invalidField } from "../http/validate";
import type { Executor } from "../store/db";
import { findLiveOrganization, findLiveOrganizationsMentioning, OrgRecord } from "../store/organizations.repository";
import { SecretBox, UnreadableSecret } from "./secret-box";

/** A provider that signs people in, and the organization it belongs to (absent: the instance default). */
export interface ProviderChoice extends OidcProviderConfig {
  readonly organizationId?: string;
}

type Sso = z.output<typeof ssoSchema>;

/** An organization's SSO block names a whole OIDC client: issuer, client id and a kept secret. */
function oidcClientOf(sso: Sso): (Sso & { issuer: string; clientId: string; clientSecret: string }) | undefined {
  return sso.protocol === "oidc" && sso.issuer && sso.clientId && sso.clientSecret ? (sso as Sso & { issuer: string; clientId: string; clientSecret: string }) : undefined;
}

/** The organization lists `domain` in `allowedEmailDomains` and configured its own OIDC provider. */
export function claimsDomain(org: Pick<OrgRecord, "settings" | "securityPolicy">, domain: string): boolean {
  return org.settings.allowedEmailDomains.includes(domain) && oidcClientOf(org.securityPolicy.sso) !== undefined;
}

/**
 * The live organizations that claim `domain` (claimsDomain). The LIKEs only narrow the scan
 * (domains hold no LIKE wildcards); the parsed records decide.
 */
export async function organizationsClaiming(db: Executor, domain: string): Promise<OrgRecord[]> {
  const candidates = await findLiveOrganizationsMentioning(db, { settings: `"${domain}"`, securityPolicy: '"oidc"' });
  return candidates.filter((org) => claimsDomain(org, domain));
}

/**
 * Home-realm discovery: the organization provider for this email's domain, else none (the
 * instance default applies). Organizations that claim the same domain must agree on the
 * provider (issuer and client): otherwise nobody can tell which one a person belongs to, and the
 * sign-in is refused with that said, rather than picking one by chance.
 */
export async function organizationProviderFor(db: Executor, secrets: SecretBox | undefined, email: string): Promise<ProviderChoice | undefined> {
  const domain = email.split("@")[1] ?? "";
  const claiming = await organizationsClaiming(db, domain);
  if (claiming.length === 0) return undefined;
  const clients = new Set(claiming.map((org) => `${org.securityPolicy.sso.issuer} ${org.securityPolicy.sso.clientId}`));
  if (clients.size > 1) {
    throw invalidField("email", `${domain} is claimed by ${claiming.length} organizations with different identity providers, so none is picked; their administrators must agree on one (securityPolicy.sso) or drop ${domain} from settings.allowedEmailDomains`);
  }
  return providerOf(claiming[0], secrets);
}

/** The organization's provider as it is configured now (undefined: it no longer has one). */
export async function organizationProvider(db: Executor, secrets: SecretBox | undefined, organizationId: string): Promise<ProviderChoice | undefined> {
  const org = await findLiveOrganization(db, organizationId);
  return org && oidcClientOf(org.securityPolicy.sso) ? providerOf(org, secrets) : undefined;
}

function providerOf(org: OrgRecord, secrets: SecretBox | undefined): ProviderChoice {
  const client = oidcClientOf(org.securityPolicy.sso)!;
  // The start-up check (assertSecretsReadable) makes these unreachable on a running backend.
  if (!secrets) throw new UnreadableSecret("TENANCY_ENCRYPTION_KEY is not set");
  return { issuer: client.issuer, clientId: client.clientId, clientSecret: secrets.open(client.clientSecret), organizationId: org.id };
}

/**
 * Refuses to start a backend that could not use the secrets it keeps: a missing key, or another
 * key than the one that sealed them (every kept secret is opened once, so one bad row is found now,
 * not at some person's sign-in).
 */
export async function assertSecretsReadable(db: Executor, secrets: SecretBox | undefined): Promise<void> {
  for (const org of await findLiveOrganizationsMentioning(db, { securityPolicy: '"clientSecret"' })) {
    const sealed = org.securityPolicy.sso.clientSecret;
    if (!sealed) continue;
    if (!secrets) throw new SecretsUnreadable(`TENANCY_ENCRYPTION_KEY must be set: organization ${org.id} (and maybe others) keeps an encrypted SSO client secret; set the key it was sealed with`);
    try {
      secrets.open(sealed);
    } catch (error) {
      if (!(error instanceof UnreadableSecret)) throw error;
      throw new SecretsUnreadable(`TENANCY_ENCRYPTION_KEY does not open the SSO client secret of organization ${org.id}: it ${error.message}; set the key it was sealed with`);
    }
  }
}

/** The start-up refusal: a sentence for the operator, naming the variable (server.ts prints it as a configuration error). */
export class SecretsUnreadable extends ConfigError {}
