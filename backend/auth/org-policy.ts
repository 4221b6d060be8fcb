import ipaddr from "ipaddr.js";
import { TenancyError } from "../../schema/errors";
import type { Caller } from "../services/context";
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

/**
 * Why this organization refuses this caller, or undefined. One function for every use: the
 * pipeline throws it on the organization's routes, and lists (/v1/organizations, /v1/me) leave
 * out the organizations that would refuse, so a fenced organization appears in no answer.
 */
export function policyRefusal(securityPolicy: OrgRecord["securityPolicy"], caller: Caller, ip: string, now: number): TenancyError | undefined {
  const { session, ipAllowlist } = securityPolicy;
  if (!ipAllowed(ip, ipAllowlist)) {
    return new TenancyError("ip_not_allowed", `requests from ${ip} are not in this organization's IP allowlist`);
  }
  const maxDays = session.maxTokenLifetimeDays;
  if (maxDays !== undefined && now - Date.parse(tokenBornAt(caller.token)) > maxDays * 86_400_000) {
    return new TenancyError(
      "token_too_old",
      `this organization refuses management tokens older than ${maxDays} days (securityPolicy.session.maxTokenLifetimeDays); tokens minted with POST /v1/tokens keep their parent's age, so get a new one with npm run token on the server host`,
    );
  }
  // Service accounts run unattended (CI, deployments): an idle timeout is for people's sessions.
  const idle = session.idleTimeoutMinutes;
  if (idle !== undefined && caller.user.kind === "person" && longestIdleMs(caller.token, now) > idle * 60_000 + TOUCH_EVERY_MS) {
    return new TenancyError(
      "token_idle",
      `this organization refuses management tokens that went unused for more than ${idle} minutes (securityPolicy.session.idleTimeoutMinutes); get a new one with npm run token on the server host`,
    );
  }
  return undefined;
}
