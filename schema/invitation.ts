import { z } from "zod";
import { email, externalId, idOf, timestamp } from "./common";
import { orgRole } from "./organization";
import { projectRole } from "./project";

/**
 * The project roles an invitation grants with its organization role, at acceptance. `externalId`
 * becomes the project membership's (and its claim's) then, as if the person had been added with it.
 */
export const invitedProject = z.strictObject({ projectId: idOf("project"), role: projectRole, externalId: externalId.optional() });

export const INVITATION_DAYS = { min: 1, max: 30, default: 7 } as const;

export const invitationInput = z.strictObject({
  email,
  role: orgRole,
  projects: z
    .array(invitedProject)
    .max(100, "must name at most 100 projects")
    .refine((ps) => new Set(ps.map((p) => p.projectId)).size === ps.length, "must name each project once")
    .default([]),
  expiresInDays: z
    .int("must be a whole number of days")
    .min(INVITATION_DAYS.min, `must be at least ${INVITATION_DAYS.min} day`)
    .max(INVITATION_DAYS.max, `must be at most ${INVITATION_DAYS.max} days`)
    .default(INVITATION_DAYS.default),
});

export const INVITATION_STATUSES = ["pending", "accepted", "expired", "revoked"] as const;

export const invitation = z.strictObject({
  id: idOf("invitation"),
  organizationId: idOf("organization"),
  email,
  role: orgRole,
  projects: z.array(invitedProject),
  status: z.enum(INVITATION_STATUSES),
  /** Given when the invitation came from adding a member by email: the organization membership's at acceptance. */
  externalId: externalId.optional(),
  expiresAt: timestamp,
  acceptedAt: timestamp.optional(),
  /** Who sent it: their user id and address at the time. */
  invitedBy: z.strictObject({ userId: idOf("user"), email: z.string() }),
  createdAt: timestamp,
});
export type Invitation = z.infer<typeof invitation>;

/**
 * The create answer: the only time `acceptUrl` is shown. It carries a one-time code (`tiv_…`,
 * stored only as a hash) that the invitee's accept must present, signed in as the invited address.
 */
export const sentInvitation = invitation.extend({ acceptUrl: z.string().optional() });

/** How a list of invitations is ordered: `newest` first finds a person's latest invitation on the first page. */
export const INVITATION_ORDERS = ["oldest", "newest"] as const;

/** `POST /v1/invitations/{invitationId}/accept?code=…`: the code of the invitation's `acceptUrl`. */
export const acceptQuery = z.strictObject({ code: z.string().min(1, "must be the code of the invitation's acceptUrl").max(200, "must be the code of the invitation's acceptUrl") });
