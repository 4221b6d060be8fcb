import { randomBytes, randomInt } from "node:crypto";
import type { z } from "zod";
import type { deviceAuthorization, SignedIn } from "../../schema/auth";
import { TenancyError } from "../../schema/errors";
import { hashSecret, newId } from "../auth/credentials";
import { invalidField } from "../http/validate";
import { mintToken, SignInFacts } from "../services/tokens.service";
import type { Executor, Store } from "../store/db";
import { findUserById } from "../store/users.repository";
import type { IdentityProviders } from "./identity-providers";
import { findDeviceByHash, insertDevice, moveDevice, updateDevice } from "./sign-in.repository";
import type { DeviceAuthorizationRow } from "./sign-in.tables";

/** How long a person has to confirm a device code (RFC 8628 leaves it to the server). */
export const DEVICE_CODE_SECONDS = 600;
/** Seconds between polls, and what each `slow_down` adds to it (RFC 8628 section 3.5). */
export const POLL_INTERVAL_SECONDS = 5;
/** How long a signed-in token works: a working day, after which the person signs in again. */
export const SESSION_HOURS = 12;
/** The verification page, served by backend/sign-in/pages.routes.ts. */
export const VERIFICATION_PATH = "/console/device";

// No vowels (no words spelled by chance) and no look-alikes; eight of 20 letters ≈ 2^34.6 (RFC 8628 section 6.1).
const USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ";

function newUserCode(): string {
  const letters = Array.from({ length: 8 }, () => USER_CODE_LETTERS[randomInt(USER_CODE_LETTERS.length)]).join("");
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/** What a person types, made comparable: case, spaces and dashes do not matter. */
export function normalizeUserCode(typed: string): string {
  const letters = typed.toUpperCase().replace(/[^A-Z]/g, "");
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : letters;
}

const DEVICE_CODE_PREFIX = "tdc_";

/** `POST /v1/auth/device`: a device authorization for the person with this email (its domain picks the provider). */
export async function startDevice(store: Store, providers: IdentityProviders, publicUrl: string, email: string): Promise<z.output<typeof deviceAuthorization>> {
  const provider = await providers.forEmail(store.db, email);
  const now = new Date();
  const deviceCode = `${DEVICE_CODE_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row: DeviceAuthorizationRow = {
    id: newId("dev"),
    device_hash: hashSecret(deviceCode),
    user_code: newUserCode(),
    email,
    issuer: provider.issuer,
    status: "pending",
    interval_seconds: POLL_INTERVAL_SECONDS,
    polled_at: null,
    expires_at: new Date(now.getTime() + DEVICE_CODE_SECONDS * 1000).toISOString(),
    user_id: null,
    subject: null,
    auth_time: null,
    mfa: null,
    failure: null,
    organization_id: provider.organizationId ?? null,
    created_at: now.toISOString(),
  };
  await insertDevice(store.db, row);
  const verificationUri = `${publicUrl}${VERIFICATION_PATH}`;
  return {
    deviceCode,
    userCode: row.user_code,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${encodeURIComponent(row.user_code)}`,
    expiresIn: DEVICE_CODE_SECONDS,
    interval: POLL_INTERVAL_SECONDS,
  };
}

/** The management token a sign-in yields (device grant or browser), recording where and how the person signed in. */
export async function mintSession(db: Executor, userId: string, signIn: SignInFacts, at: string): Promise<{ token: string; expiresAt: string }> {
  const created = await mintToken(db, userId, "sign-in", at, SESSION_HOURS / 24, undefined, { ageFrom: at, idleMaxSeconds: 0, expiresAt: null, signIn });
  return { token: created.token!, expiresAt: created.expiresAt! };
}

type PollOutcome = { refuse: TenancyError } | { signedIn: SignedIn };

/**
 * `POST /v1/auth/token`: the answer to one poll. What a poll records (its time, a longer interval)
 * commits even when the answer is a refusal, so the refusal is thrown after the transaction.
 */
export async function pollDevice(store: Store, deviceCode: string): Promise<SignedIn> {
  const outcome = await store.db.transaction().execute(async (trx): Promise<PollOutcome> => {
    const now = new Date();
    const at = now.toISOString();
    const row = await findDeviceByHash(trx, hashSecret(deviceCode));
    if (!row) throw invalidField("deviceCode", "is not a device code this backend issued; start again with POST /v1/auth/device (tenancy login)");
    if (row.status === "used") throw invalidField("deviceCode", "was used already: it yields one token; start again with POST /v1/auth/device (tenancy login)");
    if (row.expires_at <= at) return { refuse: new TenancyError("expired_token", `the device code expired at ${row.expires_at} before its sign-in finished; start again with tenancy login`) };
    if (row.status === "denied") return { refuse: new TenancyError("access_denied", `the sign-in was refused: ${row.failure ?? "the person or the identity provider declined it"}`) };
    if (row.polled_at !== null && now.getTime() - Date.parse(row.polled_at) < row.interval_seconds * 1000) {
      const interval = row.interval_seconds + POLL_INTERVAL_SECONDS;
      await updateDevice(trx, row.id, { polled_at: at, interval_seconds: interval });
      return { refuse: new TenancyError("slow_down", `polled sooner than every ${row.interval_seconds} seconds; wait ${interval} seconds between polls from now on`) };
    }
    if (row.status === "pending") {
      await updateDevice(trx, row.id, { polled_at: at });
      return { refuse: new TenancyError("authorization_pending", `waiting for ${row.email} to confirm code ${row.user_code} and sign in; poll again in ${row.interval_seconds} seconds`) };
    }
    // Approved: one poll wins the token; a concurrent one finds the code used.
    if (!(await moveDevice(trx, row.id, "approved", { status: "used", polled_at: at }))) throw invalidField("deviceCode", "was used already: it yields one token; start again with tenancy login");
    const user = (await findUserById(trx, row.user_id!))!;
    const signIn: SignInFacts = { issuer: row.issuer, subject: row.subject!, mfa: row.mfa === 1, ...(row.auth_time ? { authTime: row.auth_time } : {}) };
    const session = await mintSession(trx, user.id, signIn, at);
    return { signedIn: { ...session, user: { id: user.id, email: user.email }, signIn } };
  });
  if ("refuse" in outcome) throw outcome.refuse;
  return outcome.signedIn;
}
