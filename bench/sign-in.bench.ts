import { Dialect, startBackend } from "../test/support/backend";
import { Browser, Device, freePort, signInAtProvider, startIdentityProvider } from "../test/support/identity-provider";
import { Comparison, compare } from "./measure";

/**
 * What a sign-in costs a person, end to end on 127.0.0.1 against a real OpenID Provider
 * (oidc-provider): `POST /v1/auth/device`, the verification page, the provider's login, the
 * callback (code exchange and ID-token validation) and the token poll, against minting a token
 * from one already held (`POST /v1/tokens`), the way to a token without a sign-in. The
 * per-request cost of the SSO and MFA checks is the enforcement benchmark's.
 */
const PER_ROUND = 10;

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function signInBenchmarks(dialect: Dialect): Promise<Comparison[]> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const idp = await startIdentityProvider({ ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] } }, `${publicUrl}/v1/auth/callback`);
  const b = await startBackend({
    dialect,
    logToFile: true,
    env: { TENANCY_PORT: String(port), TENANCY_PUBLIC_URL: publicUrl, TENANCY_OIDC_ISSUER: idp.issuer, TENANCY_OIDC_CLIENT_ID: idp.clientId, TENANCY_OIDC_CLIENT_SECRET: idp.clientSecret, TENANCY_RATE_LIMIT_PER_MINUTE: "10000000" },
  });
  try {
    const signIn = async () => {
      const device = (await post(`${b.url}/v1/auth/device`, { email: "ana@acme.test" })).body as unknown as Device & { deviceCode: string };
      const { browser, callback } = await signInAtProvider(new Browser(), device, "ana", idp.issuer, b.url);
      const landed = await browser.request(callback);
      if (landed.status !== 200) throw new Error(`the callback answered ${landed.status}: ${landed.text.slice(0, 200)}`);
      const token = await post(`${b.url}/v1/auth/token`, { deviceCode: device.deviceCode });
      if (token.status !== 200) throw new Error(`the token poll answered ${token.status}: ${JSON.stringify(token.body)}`);
    };
    const mint = async () => {
      const minted = await post(`${b.url}/v1/tokens`, { name: "bench" }, b.token);
      if (minted.status !== 201) throw new Error(`minting answered ${minted.status}: ${JSON.stringify(minted.body)}`);
    };
    const times = (f: () => Promise<void>) => async () => {
      for (let i = 0; i < PER_ROUND; i++) await f();
    };
    return [
      await compare(
        `${dialect.name}: one sign-in through the device grant and a real OpenID Provider, ${PER_ROUND} per round`,
        ["minting a token from one already held (POST /v1/tokens)", times(mint)],
        ["device authorization, provider login, callback (code exchange, ID-token check), token poll", times(signIn)],
        5,
      ),
    ];
  } finally {
    await b.dispose();
    await idp.close();
  }
}
