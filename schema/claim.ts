import { z } from "zod";
import { timestamp } from "./common";

/**
 * Claims: a create with an `externalId` leaves a pending claim of its caller on the object until
 * the caller confirms that its deployment recorded it. A claim names the object by its id, or a
 * membership by `scope/user` (`org_…/user_…`, `proj_…/user_…`).
 */
const objectId = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");

/** `POST /v1/claims/confirm`: the caller's own pending claims on these objects become confirmed. */
export const confirmClaimsInput = z.strictObject({ objectIds: z.array(objectId).min(1, "must name at least one object").max(100, "must name at most 100 objects") });

/** `GET /v1/claims?objectId=`: the caller's own pending claims, so a create may recover only its own lost object. */
export const claimsQuery = { objectId: objectId.optional() };

export const pendingClaim = z.strictObject({ objectId, status: z.literal("pending"), createdAt: timestamp });
export type PendingClaim = z.infer<typeof pendingClaim>;

/** The claim key of a membership: its scope (organization or project) and its user. */
export const membershipClaimId = (scopeId: string, userId: string): string => `${scopeId}/${userId}`;
