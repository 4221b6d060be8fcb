import type { PendingClaim } from "../../schema/claim";
import { deleteClaims, insertClaim, listClaims } from "../store/claims.repository";
import type { Executor } from "../store/db";
import type { PageRequest } from "../store/page";
import type { ClaimRow } from "../store/tables";
import type { Ctx } from "./context";

/**
 * Claims keep one deployment from taking over what another made. An `externalId` (the Pulumi
 * provider sends the resource's URN) is not unique across state backends or people, so a create
 * that meets it may recover the object only while the object is unconfirmed and was made by the
 * same caller: the case of a create whose answer the engine never recorded. Confirming is the
 * caller's statement that its deployment recorded the object; from then on only a deliberate
 * takeover (`adopt`) may take it. A claim is only ever the caller's own: nobody confirms, or
 * learns of, another user's.
 */

/**
 * Called by each create: an object made with an `externalId` starts unconfirmed, claimed by the
 * caller, or by `createdBy` when the object is made on someone else's request (an invitation's
 * membership, made when the person accepts).
 */
export async function recordClaim(ctx: Ctx, db: Executor, objectId: string, externalId: string | undefined, createdBy = ctx.caller.user.id): Promise<void> {
  if (externalId !== undefined) await insertClaim(db, { object_id: objectId, created_by: createdBy, created_at: ctx.now });
}

export function confirmClaims(ctx: Ctx, db: Executor, objectIds: readonly string[]): Promise<void> {
  return deleteClaims(db, ctx.caller.user.id, objectIds);
}

export function listPendingClaims(ctx: Ctx, db: Executor, objectId: string | undefined, page: PageRequest) {
  return listClaims(db, ctx.caller.user.id, objectId, page);
}

export function toClaim(row: ClaimRow): PendingClaim {
  return { objectId: row.object_id, status: "pending", createdAt: row.created_at };
}
