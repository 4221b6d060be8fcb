import { z } from "zod";
import { email, idOf, timestamp } from "./common";

/**
 * Sign-in (DESIGN.md "People"): the device authorization grant of RFC 8628 in the API's camelCase,
 * and what a finished sign-in hands the command line.
 */

export const deviceRequest = z.strictObject({ email });

export const deviceAuthorization = z.strictObject({
  /** The secret the command line polls with; shown once. */
  deviceCode: z.string(),
  /** What the person checks on the verification page: eight letters, `BCDF-GHJK`. */
  userCode: z.string(),
  verificationUri: z.string(),
  verificationUriComplete: z.string(),
  /** Seconds until the device code expires. */
  expiresIn: z.int(),
  /** Seconds to wait between polls; a faster poll is answered `slow_down`. */
  interval: z.int(),
});

export const deviceTokenRequest = z.strictObject({ deviceCode: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters") });

/** Where and how a token's person signed in (absent on tokens minted on the host). */
export const signIn = z.strictObject({
  issuer: z.string(),
  subject: z.string(),
  authTime: timestamp.optional(),
  /** The identity provider asserted more than one factor (`amr`). */
  mfa: z.boolean(),
});

export const signedIn = z.strictObject({
  token: z.string(),
  expiresAt: timestamp,
  user: z.strictObject({ id: idOf("user"), email }),
  signIn,
});
export type SignedIn = z.infer<typeof signedIn>;
