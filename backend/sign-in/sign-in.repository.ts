import type { Executor } from "../store/db";
import { DeviceAuthorizationRow, IdentityRow, signInDb, SignInRequestRow } from "./sign-in.tables";

export async function insertDevice(db: Executor, row: DeviceAuthorizationRow): Promise<void> {
  await signInDb(db).insertInto("device_authorizations").values(row).execute();
}

export function findDeviceByHash(db: Executor, hash: string): Promise<DeviceAuthorizationRow | undefined> {
  return signInDb(db).selectFrom("device_authorizations").selectAll().where("device_hash", "=", hash).executeTakeFirst();
}

export function findDeviceByUserCode(db: Executor, userCode: string): Promise<DeviceAuthorizationRow | undefined> {
  return signInDb(db).selectFrom("device_authorizations").selectAll().where("user_code", "=", userCode).executeTakeFirst();
}

export function findDevice(db: Executor, id: string): Promise<DeviceAuthorizationRow | undefined> {
  return signInDb(db).selectFrom("device_authorizations").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updateDevice(db: Executor, id: string, changes: Partial<Omit<DeviceAuthorizationRow, "id">>): Promise<void> {
  await signInDb(db).updateTable("device_authorizations").set(changes).where("id", "=", id).execute();
}

/** Moves a device authorization on from `from` only: of two concurrent callers, one wins. */
export async function moveDevice(db: Executor, id: string, from: DeviceAuthorizationRow["status"], changes: Partial<Omit<DeviceAuthorizationRow, "id">>): Promise<boolean> {
  const result = await signInDb(db).updateTable("device_authorizations").set(changes).where("id", "=", id).where("status", "=", from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertSignInRequest(db: Executor, row: SignInRequestRow): Promise<void> {
  await signInDb(db).insertInto("sign_in_requests").values(row).execute();
}

/** Takes the request out of the store: a state is good for one callback, whatever its outcome. */
export function consumeSignInRequest(db: Executor, stateHash: string): Promise<SignInRequestRow | undefined> {
  return signInDb(db).deleteFrom("sign_in_requests").where("state_hash", "=", stateHash).returningAll().executeTakeFirst();
}

export function findIdentity(db: Executor, issuer: string, subject: string): Promise<IdentityRow | undefined> {
  return signInDb(db).selectFrom("identities").selectAll().where("issuer", "=", issuer).where("subject", "=", subject).executeTakeFirst();
}

export function findUserIdentity(db: Executor, userId: string, issuer: string): Promise<IdentityRow | undefined> {
  return signInDb(db).selectFrom("identities").selectAll().where("user_id", "=", userId).where("issuer", "=", issuer).executeTakeFirst();
}

export async function insertIdentity(db: Executor, row: IdentityRow): Promise<void> {
  await signInDb(db).insertInto("identities").values(row).execute();
}
