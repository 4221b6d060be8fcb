import type { Kysely } from "kysely";
import type { Executor } from "../store/db";
import type { Database } from "../store/tables";

/** Row types of migrations 008 (sign-in) and 010 (organizations' providers), kept beside the code that uses them. */

/** A provider's subject, linked to a user at its first sign-in (then matched on issuer + subject). */
export interface IdentityRow {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: string;
}

export type DeviceStatus = "pending" | "approved" | "denied" | "used";

/** One RFC 8628 device authorization: the command line polls it until its person signed in. */
export interface DeviceAuthorizationRow {
  id: string;
  /** The device code's hash; the code itself is shown once, to the command line. */
  device_hash: string;
  user_code: string;
  /** The email the command line asked for: it chose the identity provider. */
  email: string;
  issuer: string;
  status: DeviceStatus;
  interval_seconds: number;
  polled_at: string | null;
  expires_at: string;
  /** Set once the person signed in (approved): who, and what the provider asserted. */
  user_id: string | null;
  subject: string | null;
  auth_time: string | null;
  mfa: number | null;
  /** Why the sign-in was refused (denied), told to the polling command line. */
  failure: string | null;
  /** The organization whose provider the email's domain picked (null: the instance default). */
  organization_id: string | null;
  created_at: string;
}

/** One authorization code flow between the redirect to the provider and its callback; used once. */
export interface SignInRequestRow {
  state_hash: string;
  device_id: string | null;
  issuer: string;
  nonce: string;
  code_verifier: string;
  expires_at: string;
  created_at: string;
  /** The organization whose provider the flow went to (null: the instance default). */
  organization_id: string | null;
  /** The email a browser sign-in (no device) was started for. */
  email: string | null;
  /** A browser sign-in's same-origin path to go back to once signed in. */
  return_to: string | null;
}

export type SignInTables = {
  identities: IdentityRow;
  device_authorizations: DeviceAuthorizationRow;
  sign_in_requests: SignInRequestRow;
};

export type SignInDb = Kysely<Database & SignInTables>;
export const signInDb = (db: Executor) => db.withTables<SignInTables>() as unknown as SignInDb;
