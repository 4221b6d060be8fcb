import assert from "node:assert/strict";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo, createServer as createNetServer } from "node:net";
import { generateKeyPairSync, KeyObject, sign } from "node:crypto";

/**
 * A real OpenID Provider for the tests: `oidc-provider` (the certified OP library) in this process
 * on 127.0.0.1. Its login and consent step is a one-field form (`/interaction/{uid}`): posting
 * `login=<account>` signs that account in (with the account's `amr`) and consents to the scopes;
 * posting `deny=1` refuses. Tests drive it with plain HTTP, as a browser would.
 */

export interface Account {
  email: string;
  emailVerified: boolean;
  /** What the login asserts in `amr`. */
  amr: string[];
}

export interface IdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * From now on, the ID token the token endpoint answers is re-signed after `change` edits its
   * claims: with the provider's own key (a token the provider could have issued, but wrong), or
   * with another key (`key: "other"`, a forged signature). `undefined` stops tampering.
   */
  tamper(change: ((claims: Record<string, unknown>) => { claims: Record<string, unknown>; key?: "own" | "other" }) | undefined): void;
  close(): Promise<void>;
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An RS256 JWS of `claims` under `key` (node:crypto: the test's forger, not the backend's checker). */
function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const input = `${b64url({ alg: "RS256", typ: "JWT", kid })}.${b64url(claims)}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

// oidc-provider ships no types; the few calls made here are typed by this shape.
interface OidcProvider {
  callback(): (req: IncomingMessage, res: unknown) => void;
  interactionDetails(req: IncomingMessage, res: unknown): Promise<{ uid: string; params: Record<string, unknown>; prompt: { name: string } }>;
  interactionFinished(req: IncomingMessage, res: unknown, result: unknown, options?: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
}

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => resolve(new URLSearchParams(text)));
    req.on("error", reject);
  });
}

/** Starts the provider; `redirectUri` is the backend's callback, registered for its client. */
export async function startIdentityProvider(accounts: Record<string, Account>, redirectUri: string, options: { clientSecret?: string; port?: number } = {}): Promise<IdentityProvider> {
  // ESM-only, loaded through Node's require(esm).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Provider } = require("oidc-provider") as { Provider: new (issuer: string, config: unknown) => OidcProvider };
  const clientId = "tenancy-test";
  const clientSecret = options.clientSecret ?? "test-client-secret-that-is-long-enough-for-hs256";
  let provider: OidcProvider | undefined;
  const own = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const kid = "test-signing-key";
  let tampering: Parameters<IdentityProvider["tamper"]>[0];
  const server: Server = createServer(async (req, res) => {
    try {
      const match = /^\/interaction\/([^/?]+)/.exec(req.url ?? "");
      if (!match && tampering && req.url?.startsWith("/token")) return provider!.callback()(req, tamperedTokenResponse(res, tampering));
      if (!match) return provider!.callback()(req, res);
      const details = await provider!.interactionDetails(req, res);
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html" }).end(`<form method="post" action="/interaction/${details.uid}"><input name="login"><button>Sign in</button></form>`);
        return;
      }
      const form = await readBody(req);
      if (form.get("deny")) {
        await provider!.interactionFinished(req, res, { error: "access_denied", error_description: "the person declined the sign-in" }, { mergeWithLastSubmission: false });
        return;
      }
      const accountId = form.get("login") ?? "";
      const account = accounts[accountId];
      if (!account) {
        res.writeHead(400).end(`no account ${accountId}`);
        return;
      }
      const grant = new provider!.Grant({ accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider!.interactionFinished(req, res, { login: { accountId, amr: account.amr }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port ?? 0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "client_secret_basic", require_auth_time: true }],
    async findAccount(_ctx: unknown, id: string) {
      const account = accounts[id];
      return account && { accountId: id, claims: async () => ({ sub: id, email: account.email, email_verified: account.emailVerified }) };
    },
    // oidc-provider's defaults, `amr` (what MFA is read from) in every ID token, and the email scope.
    claims: { acr: null, sid: null, auth_time: null, iss: null, openid: ["sub", "amr"], email: ["email", "email_verified"] },
    // The email claims ride in the ID token itself (the backend reads no userinfo).
    conformIdTokenClaims: false,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    jwks: { keys: [{ ...own.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" }] },
    cookies: { keys: ["identity-provider-test-cookie-key"] },
  });
  return {
    issuer,
    clientId,
    clientSecret,
    tamper: (change) => void (tampering = change),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  /** The token endpoint's answer, its ID token re-signed after `change`; the rest as the provider wrote it. */
  function tamperedTokenResponse(res: ServerResponse, change: NonNullable<typeof tampering>): ServerResponse {
    const end = res.end.bind(res);
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name: string, value: number | string | readonly string[]) => (name.toLowerCase() === "content-length" ? res : setHeader(name, value));
    res.end = ((body?: unknown, ...rest: unknown[]) => {
      if (typeof body !== "string" && !Buffer.isBuffer(body)) return end(body as never, ...(rest as []));
      const answer = JSON.parse(body.toString());
      if (answer.id_token) {
        const { claims, key } = change(JSON.parse(Buffer.from(answer.id_token.split(".")[1], "base64url").toString()));
        answer.id_token = signJwt(claims, key === "other" ? other : own, kid);
      }
      return end(JSON.stringify(answer));
    }) as typeof res.end;
    return res;
  }
}

/** A browser's cookies, one jar per test person: enough for two origins on 127.0.0.1. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** One request, no redirect followed; cookies stored and sent per origin. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; location?: string; text: string; headers: Headers }> {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    const headers: Record<string, string> = {};
    if (cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (init.form ? "POST" : "GET"), headers, body, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, ...value] = pair.trim().split("=");
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value.join("=") === "") cookies.delete(name);
      else cookies.set(name, value.join("="));
    }
    this.jar.set(origin, cookies);
    const location = res.headers.get("location") ?? undefined;
    return { status: res.status, location: location && new URL(location, url).href, text: await res.text(), headers: res.headers };
  }

  /** Another browser holding the same cookies now (a replay of what this one sends). */
  clone(): Browser {
    const copy = new Browser();
    for (const [origin, cookies] of this.jar) copy.jar.set(origin, new Map(cookies));
    return copy;
  }
}

/** What `POST /v1/auth/device` answers, as far as the person's browser needs it. */
export interface Device {
  verificationUri: string;
  verificationUriComplete: string;
  userCode: string;
}

/**
 * The person opens the link, checks the code on the verification page, confirms it, and signs in
 * at the provider as `as` (or declines); returns where the provider sends the browser back, not
 * yet visited. `formTargets`: the origins the page's policy lets its form lead to (the issuer's).
 */
export async function signInAtProvider(browser: Browser, device: Device, as: string, issuer: string, backendUrl: string, formTargets = [issuer]): Promise<{ browser: Browser; callback: string }> {
  const page = await browser.request(device.verificationUriComplete);
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, new RegExp(device.userCode));
  assert.equal(page.headers.get("content-security-policy"), `default-src 'none'; form-action 'self' ${formTargets.join(" ")}; frame-ancestors 'none'; base-uri 'none'`);
  const confirmed = await browser.request(device.verificationUri, { form: { user_code: device.userCode.toLowerCase() } });
  assert.equal(confirmed.status, 303, confirmed.text);
  assert.ok(confirmed.location?.startsWith(`${issuer}/`), confirmed.location);
  return { browser, callback: await throughProvider(browser, confirmed.location!, as, backendUrl) };
}

/**
 * From the provider's authorization URL through its login form (as `as`, or declining) to the
 * backend's callback; returns the callback URL, not yet visited.
 */
export async function throughProvider(browser: Browser, authorizationUrl: string, as: string, backendUrl: string): Promise<string> {
  let next = authorizationUrl;
  for (let hop = 0; hop < 10 && !next.startsWith(`${backendUrl}/v1/auth/callback`); hop++) {
    const res = await browser.request(next);
    if (res.status === 200 && next.includes("/interaction/")) {
      next = (await browser.request(next, { form: as === "deny" ? { deny: "1" } : { login: as } })).location!;
    } else {
      assert.ok(res.location, `the provider stopped at ${next}: ${res.status} ${res.text.slice(0, 300)}`);
      next = res.location;
    }
  }
  assert.ok(next.startsWith(`${backendUrl}/v1/auth/callback`), next);
  return next;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * An identity provider for the enclosing `describe`, started in `before` (call this before
 * `useBackend`, whose `env` it fills): the backend gets a fixed port, since the provider must
 * know its redirect URI before the backend starts.
 */
export function useIdentityProvider(accounts: Record<string, Account>): { env: Record<string, string>; provider(): IdentityProvider } {
  const env: Record<string, string> = {};
  let idp: IdentityProvider | undefined;
  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider(accounts, `${publicUrl}/v1/auth/callback`);
    Object.assign(env, { TENANCY_PORT: String(port), TENANCY_PUBLIC_URL: publicUrl, TENANCY_OIDC_ISSUER: idp.issuer, TENANCY_OIDC_CLIENT_ID: idp.clientId, TENANCY_OIDC_CLIENT_SECRET: idp.clientSecret });
  });
  after(() => idp?.close());
  return {
    env,
    provider: () => {
      if (!idp) throw new Error("useIdentityProvider: the provider starts in before(); use it in a hook or a test");
      return idp;
    },
  };
}
