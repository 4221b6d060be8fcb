import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TenancyError } from "../../schema/errors";
import type { RateLimiter } from "../http/rate-limit";
import type { Store } from "../store/db";
import { VERIFICATION_PATH } from "./device.service";
import { IdentityProviders, SignInRefused } from "./identity-providers";
import { contentSecurityPolicy, Page, renderPage } from "./pages";
import { beginBrowserSignIn, beginSignIn, finishSignIn, pendingDevice } from "./sign-in.service";
import { email } from "../../schema/common";

export const CALLBACK_PATH = "/v1/auth/callback";
export const LOGIN_PATH = "/v1/auth/login";
/** The browser's session once signed in (DESIGN.md, The console): a management token, never readable by scripts. */
export const SESSION_COOKIE = "tenancy_session";
/** Holds the flow's state in the browser that confirmed the code, for the callback only. */
const STATE_COOKIE = "tenancy_sign_in";

export interface PageDeps {
  store: Store;
  providers: IdentityProviders;
  limiter: RateLimiter;
  publicUrl: string;
  /** Origins the verification form may lead to (the identity providers). */
  providerOrigins: readonly string[];
}

/** `leadsTo`: the issuer a page's form leads to, when it is not the instance default (an organization's provider). */
function send(reply: FastifyReply, deps: PageDeps, page: Page, leadsTo?: string): FastifyReply {
  const targets = new Set([...deps.providerOrigins, ...(leadsTo ? [new URL(leadsTo).origin] : [])]);
  return reply
    .status(page.status)
    .header("content-security-policy", contentSecurityPolicy([...targets]))
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-store")
    .type("text/html; charset=utf-8")
    .send(renderPage(page));
}

function cookieOf(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

const firstOf = (v: unknown): string | undefined => (typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined);

/**
 * Where a browser sign-in may return: a path of this backend, nothing else — no scheme, no host,
 * and no `//` or `/\` that a browser would read as another host (an open redirect otherwise).
 */
export function returnPath(raw: string): string | undefined {
  if (!/^\/(?![/\\])/.test(raw) || /[\u0000-\u001f\u007f\\]/.test(raw)) return undefined;
  const base = "http://return-to.invalid";
  const url = new URL(raw, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : undefined;
}

const refused = (reason: string): Page => ({ status: 400, title: "Sign-in failed", lines: [reason, "Nothing was signed in. You may close this window."] });

/**
 * The verification page of `tenancy login` (RFC 8628) and the identity provider's callback:
 * browser pages, not JSON operations, so they live beside the route table (in their own Fastify
 * scope, which alone reads urlencoded forms), each counted against the client address.
 */
export async function pageRoutes(app: FastifyInstance, deps: PageDeps): Promise<void> {
  const secure = deps.publicUrl.startsWith("https:");
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  const limited = async (req: FastifyRequest, reply: FastifyReply) => deps.limiter.check(`ip:${req.ip}`, reply);
  const stateCookie = (state: string) => `${STATE_COOKIE}=${encodeURIComponent(state)}; Path=${CALLBACK_PATH}; Max-Age=600; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;

  app.get(VERIFICATION_PATH, { onRequest: limited }, async (req, reply) => {
    const typed = firstOf((req.query as Record<string, unknown>).user_code);
    const device = typed ? await pendingDevice(deps.store.db, typed) : undefined;
    if (typed && !device) return send(reply, deps, { status: 404, title: "Unknown code", lines: [`The code ${typed} is unknown or expired. Check it against your terminal, or run tenancy login again.`], confirm: {} });
    if (!device) return send(reply, deps, { status: 200, title: "Sign in to tenancy", lines: ["Enter the code that tenancy login shows in your terminal."], confirm: {} });
    return send(reply, deps, {
      status: 200,
      title: "Sign in to tenancy",
      lines: [`A command line asks to sign in as ${device.email}. Continue only if your terminal shows this code: ${device.user_code}`],
      confirm: { userCode: device.user_code, email: device.email },
    }, device.issuer);
  });

  app.post(VERIFICATION_PATH, { onRequest: limited }, async (req, reply) => {
    const typed = firstOf((req.body as Record<string, unknown> | undefined)?.user_code);
    const device = typed ? await pendingDevice(deps.store.db, typed) : undefined;
    if (!device) return send(reply, deps, { status: 404, title: "Unknown code", lines: [`The code ${typed ?? "(none)"} is unknown or expired. Check it against your terminal, or run tenancy login again.`], confirm: {} });
    try {
      const { url, state } = await beginSignIn(deps.store, deps.providers, device);
      return reply.status(303).header("set-cookie", stateCookie(state)).header("cache-control", "no-store").header("location", url.href).send();
    } catch (error) {
      if (error instanceof SignInRefused) return send(reply, deps, refused(error.reason));
      throw error;
    }
  });

  app.get(LOGIN_PATH, { onRequest: limited }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const parsed = email.safeParse(firstOf(query.email) ?? "");
    if (!parsed.success) return send(reply, deps, refused(`email must be an email address such as ana@example.com, got "${firstOf(query.email) ?? ""}"`));
    const rawReturn = firstOf(query.returnTo);
    const returnTo = rawReturn === undefined ? undefined : returnPath(rawReturn);
    if (rawReturn !== undefined && returnTo === undefined) return send(reply, deps, refused(`returnTo must be a path of this site such as /console, got "${rawReturn}"`));
    try {
      const { url, state } = await beginBrowserSignIn(deps.store, deps.providers, parsed.data, returnTo);
      return reply.status(303).header("set-cookie", stateCookie(state)).header("cache-control", "no-store").header("location", url.href).send();
    } catch (error) {
      if (error instanceof SignInRefused || error instanceof TenancyError) return send(reply, deps, refused(error.message));
      throw error;
    }
  });

  app.get(CALLBACK_PATH, { onRequest: limited }, async (req, reply) => {
    // The public URL may carry a path prefix (a proxy that strips it): the redirect URI keeps it.
    const callbackUrl = new URL(`${deps.publicUrl}${req.url}`);
    reply.header("set-cookie", `${STATE_COOKIE}=; Path=${CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`);
    try {
      const { user, session, returnTo } = await finishSignIn(deps.store, deps.providers, callbackUrl, cookieOf(req, STATE_COOKIE), { ip: req.ip, requestId: req.id });
      if (!session) return send(reply, deps, { status: 200, title: "Signed in", lines: [`You are signed in as ${user.email}.`, "You may close this window and return to your terminal."] });
      const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
      reply.header("set-cookie", `${SESSION_COOKIE}=${session.token}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`);
      if (returnTo) return reply.status(303).header("cache-control", "no-store").header("location", returnTo).send();
      return send(reply, deps, { status: 200, title: "Signed in", lines: [`You are signed in as ${user.email}.`, "You may close this window."] });
    } catch (error) {
      if (error instanceof SignInRefused) return send(reply, deps, refused(error.reason));
      if (error instanceof TenancyError) return send(reply, deps, refused(error.message));
      throw error;
    }
  });
}
