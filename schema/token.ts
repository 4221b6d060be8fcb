import { z } from "zod";
import { signIn } from "./auth";
import { days, idOf, name, timestamp } from "./common";

export const tokenInput = z.strictObject({ name, expiresInDays: days.optional() });

/** A service account's token may only have its expiry brought forward (the end of a rotation's overlap). */
export const tokenPatch = z.strictObject({ expiresAt: timestamp.optional() });

/** A management token as listed: never the token itself, only its redacted hint. */
export const token = z.strictObject({
  id: idOf("token"),
  userId: idOf("user"),
  name,
  redactedValue: z.string(),
  expiresAt: timestamp.optional(),
  lastUsedAt: timestamp.optional(),
  status: z.enum(["active", "revoked", "expired"]),
  /** The sign-in it comes from, itself or through the token that minted it. */
  signIn: signIn.optional(),
  createdAt: timestamp,
});
export type Token = z.infer<typeof token>;

/** The create response: the only time the token is ever shown. */
export const createdToken = token.extend({ token: z.string().optional() });
