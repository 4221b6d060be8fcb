import { z } from "zod";
import { days, email, externalId, idOf, meta, name, text, unstorable, UNSTORABLE_MESSAGE } from "./common";

/** `viewer` reads what an admin reads, except billing and secrets, and writes nothing (auditors, CI previews). */
export const ORG_ROLES = ["admin", "billing", "member", "viewer"] as const;
export const orgRole = z.enum(ORG_ROLES);
export type OrgRole = z.infer<typeof orgRole>;

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a domain name such as acme.test");

export const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "must be a CIDR range such as 203.0.113.0/24 or 2001:db8::/32" });

export const billing = z.strictObject({
  plan: z.enum(["free", "team", "enterprise"]).default("free"),
  billingEmail: email.optional(),
  financeContacts: z.array(email).max(20).default([]),
  renewalDate: z.iso.date("must be a date such as 2027-01-31").optional(),
});

export const settings = z.strictObject({
  allowedEmailDomains: z.array(domain).max(100).default([]),
  apiKeyMaxLifetimeDays: days.optional(),
  membersCanCreateProjects: z.boolean().default(false),
});

/** https, or plain http to this machine only (a local provider in development and tests). */
const issuerUrl = z
  .url({ error: "must be the provider's issuer URL, such as https://login.acme.test" })
  .max(512)
  .refine((u) => {
    const url = new URL(u);
    return !url.search && !url.hash && (url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)));
  }, "must be an https:// URL without query or fragment (plain http only on 127.0.0.1 or localhost)");

/** The SSO fields every reader may see; `clientSecret` is write-only (see `sso` and `ssoView`). */
const ssoShown = {
  enforced: z.boolean().default(false),
  protocol: z.enum(["saml", "oidc"]).optional(),
  metadataUrl: z.url().max(2048).refine((u) => !unstorable(u), UNSTORABLE_MESSAGE).optional(),
  issuer: issuerUrl.optional(),
  clientId: text(512).optional(),
  /** Just-in-time provisioning: a person of the organization's domains signing in at its provider gets this role. */
  autoProvision: z.strictObject({ role: orgRole }).optional(),
};

export const sso = z
  .strictObject({
    ...ssoShown,
    /**
     * Write-only: sent in a create or PATCH, never answered (`clientSecretSet` says whether one is
     * kept), encrypted at rest (so stored it is longer: a plain one is at most 2048 characters); a PATCH
     * without it keeps the stored one, `null` removes it.
     */
    clientSecret: z.string().min(1).max(4096).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.enforced && !v.protocol) {
      ctx.addIssue({ code: "custom", path: ["protocol"], message: "is required when sso.enforced is true (saml or oidc)" });
    }
    // Stored and shown, but a SAML organization cannot be signed in to yet: enforcing it would
    // look on and do nothing (issue 22), so it is refused until SAML sign-in exists.
    if (v.enforced && v.protocol === "saml") {
      ctx.addIssue({ code: "custom", path: ["enforced"], message: "must be false with protocol saml: SAML sign-in is not supported yet (use protocol oidc to enforce sign-in)" });
    }
  });

/** SSO as the API answers it: the client secret replaced by `clientSecretSet: true` while one is kept (absent otherwise). */
export const ssoView = z.strictObject({ ...ssoShown, clientSecretSet: z.literal(true).optional() });

export const session = z.strictObject({
  maxTokenLifetimeDays: days.optional(),
  idleTimeoutMinutes: z.int().min(1).max(10080).optional(),
  requireMfa: z.boolean().default(false),
});

export const securityPolicy = z.strictObject({
  sso: sso.default({ enforced: false }),
  session: session.default({ requireMfa: false }),
  ipAllowlist: z.array(cidr).max(200).default([]),
});

/** What a client sends to create an organization, and what a merged PATCH must still satisfy. */
export const organizationInput = z.strictObject({
  name,
  externalId: externalId.optional(),
  billing: billing.default({ plan: "free", financeContacts: [] }),
  settings: settings.default({ allowedEmailDomains: [], membersCanCreateProjects: false }),
  securityPolicy: securityPolicy.default({ sso: { enforced: false }, session: { requireMfa: false }, ipAllowlist: [] }),
});
export type OrganizationInput = z.input<typeof organizationInput>;

/**
 * Which stored policies the backend enforces, so that nobody is falsely assured. `sso.enforced`
 * and `requireMfa` hold against people's signed-in tokens (backend/auth/org-policy.ts); SAML is
 * refused when enforced, so no stored policy is shown as on while nothing enforces it.
 */
export const ENFORCEMENT = Object.freeze({
  enforced: Object.freeze([
    "settings.allowedEmailDomains",
    "settings.apiKeyMaxLifetimeDays",
    "settings.membersCanCreateProjects",
    "securityPolicy.ipAllowlist",
    "securityPolicy.session.maxTokenLifetimeDays",
    "securityPolicy.session.idleTimeoutMinutes",
    "securityPolicy.sso",
    "securityPolicy.session.requireMfa",
  ]),
  notEnforced: Object.freeze([] as string[]),
});
export const enforcement = z.strictObject({ enforced: z.array(z.string()), notEnforced: z.array(z.string()) });

/** The security policy as the API answers it (no client secret). */
export const securityPolicyView = securityPolicy.extend({ sso: ssoView });

export const organization = z.strictObject({
  id: idOf("organization"),
  ...organizationInput.shape,
  securityPolicy: securityPolicyView,
  // Only admins and billing see billing; for other members the field is absent.
  billing: billing.optional(),
  enforcement,
  ...meta,
});
export type Organization = z.infer<typeof organization>;
