import type { Executor } from "./db";
import type { UserRow } from "./tables";
import { newId } from "../auth/credentials";

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Whether the store holds any user at all (an empty store gets the bootstrap operator). */
export async function anyUserExists(db: Executor): Promise<boolean> {
  return (await db.selectFrom("users").select("id").limit(1).executeTakeFirst()) !== undefined;
}

export function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
}

/** The user with this email, created as a person if missing; safe under concurrent callers. */
export async function ensurePerson(db: Executor, email: string, now: string): Promise<UserRow> {
  await db
    .insertInto("users")
    .values({ id: newId("user"), email, kind: "person", name: null, organization_id: null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column("email").doNothing())
    .execute();
  return (await findUserByEmail(db, email))!;
}

export async function insertUser(db: Executor, row: UserRow): Promise<UserRow> {
  await db.insertInto("users").values(row).execute();
  return row;
}
