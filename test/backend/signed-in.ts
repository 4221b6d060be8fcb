import type { Backend } from "../support/backend";
import { Browser, IdentityProvider, signInAtProvider } from "../support/identity-provider";
import { call, expectStatus } from "./helpers";

/**
 * A person's signed-in management token, the way `tenancy login` gets one: the device grant, the
 * verification page, the identity provider's login as `account`, the callback, one poll. The
 * token records the provider's issuer and whether the account's `amr` asserted MFA.
 */
export async function signInAs(backend: Backend, idp: IdentityProvider, account: string, email: string): Promise<string> {
  const device = expectStatus(await call(backend.url, "POST", "/v1/auth/device", undefined, { body: { email } }), 200);
  const { browser, callback } = await signInAtProvider(new Browser(), device, account, idp.issuer, backend.url);
  const done = await browser.request(callback);
  if (done.status !== 200) throw new Error(`the sign-in of ${account} failed: ${done.status} ${done.text}`);
  return expectStatus(await call(backend.url, "POST", "/v1/auth/token", undefined, { body: { deviceCode: device.deviceCode } }), 200).token;
}
