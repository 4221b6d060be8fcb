import ipaddr from "ipaddr.js";
import { TenancyError } from "../../schema/errors";
import type { Caller, Ctx } from "./context";
import type { OrgRecord } from "../store/organizations.repository";

/** `last_used_at` is written at most this often (a read must not become a write each time). */
export const TOUCH_EVERY_MS = 60_000;

export function ipAllowed(ip: string, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  if (!ipaddr.isValid(ip)) return false;
  const addr = ipaddr.process(ip);
  return allowlist.some((cidr) => {
    const range = ipaddr.parseCIDR(cidr);
    return addr.kind() === range[0].kind() && addr.match(range);
  });
}

/**
 * Where a token refused as too old or idle is replaced: a person signs in again (or, on the
 * server host, mints one); a service account's admins mint it a new one.
 */
export function newToken(org: { id: string }, caller: Caller): string {
  if (caller.user.kind === "person") return "sign in again (tenancy login), or mint one with npm run token on the server host";
  return `an admin of the organization mints the service account a new one (POST /v1/organizations/${org.id}/service-accounts/${caller.user.id}/tokens)`;
}

/**
 * When the token's age starts: a token minted with another token inherits its parent's start, so
 * `POST /v1/tokens` cannot turn a token an organization refuses as too old into a fresh one.
 */
export function tokenBornAt(token: Caller["token"]): string {
  return token.age_from ?? token.created_at;
}

/**
 * The longest stretch the token (and the tokens it was minted from) went unused, the current one
 * included. Idleness is final, as for a session: using the token elsewhere (or minting a child
 * with it) does not make a token an organization found idle fresh again. `last_used_at` lags real
 * use by up to TOUCH_EVERY_MS, so the check allows that much on top of the timeout.
 */
export function longestIdleMs(token: Caller["token"], now: number): number {
  const current = now - Date.parse(token.last_used_at ?? token.created_at);
  return Math.max(current, (token.idle_max_seconds ?? 0) * 1000);
}

/** What the policy of an organization is judged on: the request's caller, address, clock and sign-in defaults. */
export type PolicyCtx = Pick<Ctx, "caller" | "ip" | "now" | "signIn">;

/** The organization whose policy is applied: its id and name only name it in the refusal. */
export type PolicyOrg = Pick<OrgRecord, "id" | "name" | "securityPolicy">;

/**
 * Break-glass: a person's token that comes from no sign-in was minted on the server host (`npm run
 * token`, the bootstrap token, or a token minted from those, which inherit their origin as they
 * inherit age). Whoever runs commands on the host holds the store anyway; their tokens are how an
 * organization is created and its policy switched on at all (`npm start`, the examples), and how
 * an operator gets back in when an identity provider fails. So sso.enforced and requireMfa do not
 * refuse them; the IP allowlist, token age and idle timeout still do, and `/v1/me` says
 * `breakGlass: true`.
 */
export function isBreakGlass(caller: Caller): boolean {
  return caller.user.kind === "person" && caller.token.sso_issuer === null;
}

/** The identity provider an organization's people must sign in at: its own, else the instance's. */
export function requiredIssuer(securityPolicy: OrgRecord["securityPolicy"], ctx: PolicyCtx): string | undefined {
  return securityPolicy.sso.issuer ?? ctx.signIn.issuer;
}

/**
 * sso.enforced and session.requireMfa, for people's signed-in tokens (service accounts run
 * unattended and sign in nowhere; break-glass tokens are the operator's). The refusal says which
 * organization, which rule, and how to sign in so that it is met.
 */
function signInRefusal(org: PolicyOrg, ctx: PolicyCtx): TenancyError | undefined {
  const { caller } = ctx;
  if (caller.user.kind !== "person" || isBreakGlass(caller)) return undefined;
  const { sso, session } = org.securityPolicy;
  const named = `organization ${JSON.stringify(org.name)} (${org.id})`;
  const issuer = requiredIssuer(org.securityPolicy, ctx);
  const signIn = {
    ...(issuer ? { issuer } : {}),
    url: `${ctx.signIn.publicUrl}/v1/auth/device`,
    command: `tenancy login --endpoint ${ctx.signIn.publicUrl} --email ${caller.user.email}`,
  };
  const how = `sign in again with ${signIn.command}, then use the token it stores`;
  if (sso.enforced && sso.protocol === "oidc" && caller.token.sso_issuer !== issuer) {
    const at = issuer ? `at its identity provider ${issuer}` : "at an identity provider, but neither it (securityPolicy.sso.issuer) nor this backend (TENANCY_OIDC_ISSUER) names one";
    return new TenancyError("sso_required", `${named} requires a sign-in ${at} (securityPolicy.sso.enforced); your token comes from a sign-in at ${caller.token.sso_issuer}: ${how}`, { signIn });
  }
  if (session.requireMfa && caller.token.sso_mfa !== 1) {
    return new TenancyError("mfa_required", `${named} requires a sign-in with more than one factor (securityPolicy.session.requireMfa); the identity provider asserted no second factor (amr) at the sign-in your token comes from: ${how}, completing a second factor there`, { signIn });
  }
  return undefined;
}

/**
 * Why this organization refuses this caller, or undefined. One function for every use: the
 * pipeline throws it on the organization's routes, and lists (/v1/organizations, /v1/me) leave
 * out the organizations that would refuse, so a fenced organization appears in no answer.
 */
export function policyRefusal(org: PolicyOrg, ctx: PolicyCtx): TenancyError | undefined {
  const { session, ipAllowlist } = org.securityPolicy;
  const { caller, ip } = ctx;
  const now = Date.parse(ctx.now);
  if (!ipAllowed(ip, ipAllowlist)) {
    return new TenancyError("ip_not_allowed", `requests from ${ip} are not in this organization's IP allowlist`);
  }
  const maxDays = session.maxTokenLifetimeDays;
  if (maxDays !== undefined && now - Date.parse(tokenBornAt(caller.token)) > maxDays * 86_400_000) {
    return new TenancyError(
      "token_too_old",
      `this organization refuses management tokens older than ${maxDays} days (securityPolicy.session.maxTokenLifetimeDays); tokens minted with POST /v1/tokens keep their parent's age, so get a new one: ${newToken(org, caller)}`,
    );
  }
  // Service accounts run unattended (CI, deployments): an idle timeout is for people's sessions.
  const idle = session.idleTimeoutMinutes;
  if (idle !== undefined && caller.user.kind === "person" && longestIdleMs(caller.token, now) > idle * 60_000 + TOUCH_EVERY_MS) {
    return new TenancyError(
      "token_idle",
      `this organization refuses management tokens that went unused for more than ${idle} minutes (securityPolicy.session.idleTimeoutMinutes); get a new one: ${newToken(org, caller)}`,
    );
  }
  return signInRefusal(org, ctx);
}
