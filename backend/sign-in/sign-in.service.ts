import { hashSecret } from "../auth/credentials";
import type { Executor, Store } from "../store/db";
import type { UserRow } from "../store/tables";
import { ensurePerson, findUserByEmail, findUserById } from "../store/users.repository";
import { autoProvision } from "./auto-provision";
import { audit, Origin } from "./sign-in.audit";
import { mintSession, normalizeUserCode } from "./device.service";
import { Assertion, IdentityProviders, SignInRefused } from "./identity-providers";
import { consumeSignInRequest, findDevice, findDeviceByUserCode, findIdentity, findUserIdentity, insertIdentity, insertSignInRequest, moveDevice } from "./sign-in.repository";
import type { ProviderChoice } from "./organization-providers";
import type { DeviceAuthorizationRow, SignInRequestRow } from "./sign-in.tables";

/** How long the provider may take to call back after the person left for it. */
const FLOW_SECONDS = 600;

/** A pending, unexpired device authorization for what the person typed, if any. */
export async function pendingDevice(db: Executor, typed: string): Promise<DeviceAuthorizationRow | undefined> {
  const device = await findDeviceByUserCode(db, normalizeUserCode(typed));
  return device && device.status === "pending" && device.expires_at > new Date().toISOString() ? device : undefined;
}

/**
 * The person confirmed the code on the verification page: start the provider's authorization
 * code flow for it. The returned `state` is also set as a cookie, so that only the browser that
 * confirmed the code can finish the flow (a link to the provider sent to someone else cannot).
 */
export async function beginSignIn(store: Store, providers: IdentityProviders, device: DeviceAuthorizationRow): Promise<{ url: URL; state: string }> {
  const provider = await providers.forFlow(store.db, device);
  if (!provider) throw new SignInRefused(`the identity provider ${device.issuer} that this code was issued for is no longer configured; start again with tenancy login`);
  return startFlow(store, providers, provider, device.email, { device_id: device.id, email: null, return_to: null });
}

/**
 * `GET /v1/auth/login`: a browser sign-in for this email (its domain picks the provider), which
 * comes back to `returnTo`, a path of this backend (pages.routes.ts checked it).
 */
export async function beginBrowserSignIn(store: Store, providers: IdentityProviders, email: string, returnTo: string | undefined): Promise<{ url: URL; state: string }> {
  const provider = await providers.forEmail(store.db, email);
  return startFlow(store, providers, provider, email, { device_id: null, email, return_to: returnTo ?? null });
}

async function startFlow(store: Store, providers: IdentityProviders, provider: ProviderChoice, email: string, link: Pick<SignInRequestRow, "device_id" | "email" | "return_to">): Promise<{ url: URL; state: string }> {
  const { url, secrets } = await providers.authorizationUrl(provider, email);
  const now = new Date();
  await insertSignInRequest(store.db, {
    state_hash: hashSecret(secrets.state),
    issuer: provider.issuer,
    nonce: secrets.nonce,
    code_verifier: secrets.codeVerifier,
    expires_at: new Date(now.getTime() + FLOW_SECONDS * 1000).toISOString(),
    created_at: now.toISOString(),
    organization_id: provider.organizationId ?? null,
    ...link,
  });
  return { url, state: secrets.state };
}

/** Who signed in; a browser sign-in also gets its session token and where to go back to. */
export interface SignedInPerson {
  user: UserRow;
  session?: { token: string; expiresAt: string };
  returnTo?: string;
}

/**
 * The provider called back. The flow's state is consumed first, whatever happens next (a code or
 * state replayed finds nothing); then openid-client exchanges the code and validates the ID token;
 * then the person is linked to their user and, in the same transaction, the device authorization
 * approved (device grant) or a session token minted (browser). Every refusal is audited
 * `login.failed` with its reason and denies the device.
 */
export async function finishSignIn(store: Store, providers: IdentityProviders, callbackUrl: URL, cookieState: string | undefined, origin: Origin): Promise<SignedInPerson> {
  const state = callbackUrl.searchParams.get("state");
  if (!state) throw new SignInRefused("the callback carries no state: open the sign-in link from the verification page again");
  if (state !== cookieState) throw new SignInRefused("this sign-in was started in another browser (its state does not match this browser's): confirm the code on the verification page in the browser you sign in with");
  const request = await consumeSignInRequest(store.db, hashSecret(state));
  if (!request || request.expires_at <= new Date().toISOString()) throw new SignInRefused("this sign-in is unknown, expired or finished already: start again with tenancy login");
  const device = request.device_id ? await findDevice(store.db, request.device_id) : undefined;
  if (request.device_id && (!device || device.status !== "pending" || device.expires_at <= new Date().toISOString())) throw new SignInRefused("the device code of this sign-in expired or was used: start again with tenancy login");
  const email = device?.email ?? request.email!;

  const refuse = async (reason: string, user?: UserRow): Promise<never> => {
    await store.db.transaction().execute(async (trx) => {
      if (device) await moveDevice(trx, device.id, "pending", { status: "denied", failure: reason });
      await audit(trx, origin, "login.failed", user ?? { id: "anonymous", email }, { reason, issuer: request.issuer, email });
    });
    throw new SignInRefused(reason);
  };

  const provider = await providers.forFlow(store.db, request);
  if (!provider) return refuse(`the identity provider ${request.issuer} is no longer configured`);
  let assertion: Assertion;
  try {
    assertion = await providers.exchange(provider, callbackUrl, { state, nonce: request.nonce, codeVerifier: request.code_verifier });
  } catch (error) {
    if (error instanceof SignInRefused) return refuse(error.reason);
    throw error;
  }
  if (!assertion.email) return refuse("the identity provider asserted no email (the email scope was not granted)");
  if (!assertion.emailVerified) return refuse(`the identity provider has not verified ${assertion.email} (email_verified is not true): verify it there, then sign in again`);

  const linked = await store.db.transaction().execute(async (trx): Promise<SignedInPerson | string> => {
    const user = await userOf(trx, assertion, origin);
    if (typeof user === "string") return user;
    const facts = { user_id: user.id, subject: assertion.subject, auth_time: assertion.authTime ?? null, mfa: Number(assertion.mfa) };
    if (device && !(await moveDevice(trx, device.id, "pending", { status: "approved", ...facts }))) return "the device code was used or refused meanwhile";
    await audit(trx, origin, "login.succeeded", user, { issuer: assertion.issuer, subject: assertion.subject, mfa: assertion.mfa });
    if (device) return { user };
    const signIn = { issuer: assertion.issuer, subject: assertion.subject, mfa: assertion.mfa, ...(assertion.authTime ? { authTime: assertion.authTime } : {}) };
    return { user, session: await mintSession(trx, user.id, signIn, new Date().toISOString()), ...(request.return_to ? { returnTo: request.return_to } : {}) };
  });
  if (typeof linked === "string") return refuse(linked);
  return linked;
}

/**
 * The user a sign-in is for: the one linked to this issuer and subject; else, at the subject's
 * first sign-in, the person with its verified email (made if missing), now linked. A string is a
 * refusal: an email whose user is linked to another subject of the same provider (the address was
 * given to someone else there), or a service account's. A first sign-in also joins the
 * organizations that provision people of their domain (auto-provision.ts).
 */
async function userOf(trx: Executor, a: Assertion, origin: Origin): Promise<UserRow | string> {
  const identity = await findIdentity(trx, a.issuer, a.subject);
  if (identity) return (await findUserById(trx, identity.user_id))!;
  const existing = await findUserByEmail(trx, a.email!);
  if (existing?.kind === "service_account") return `${a.email} is a service account's address; service accounts do not sign in`;
  if (existing && (await findUserIdentity(trx, existing.id, a.issuer))) return `${a.email} is already linked to another account at ${a.issuer}; ask an administrator`;
  const now = new Date().toISOString();
  const user = existing ?? (await ensurePerson(trx, a.email!, now));
  await insertIdentity(trx, { issuer: a.issuer, subject: a.subject, user_id: user.id, created_at: now });
  await autoProvision(trx, user, a.issuer, origin, now);
  return user;
}
