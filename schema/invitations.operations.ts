import { email, listQuery, page } from "./common";
import { acceptQuery, INVITATION_ORDERS, INVITATION_STATUSES, invitation, invitationInput, sentInvitation } from "./invitation";
import { membership } from "./membership";
import { operations } from "./operation";
import { z } from "zod";

const INVITATIONS = "/v1/organizations/{orgId}/invitations";

/** Invitations: a person joins an organization (and some of its projects) by accepting, signed in. */
export const INVITATION_OPERATIONS = operations({
  listInvitations: {
    method: "GET",
    path: INVITATIONS,
    summary: "The organization's invitations, oldest first unless order=newest (an expired one shows status expired)",
    status: 200,
    query: listQuery({ email: email.optional(), status: z.enum(INVITATION_STATUSES).optional(), order: z.enum(INVITATION_ORDERS).default("oldest") }),
    response: page(invitation),
  },
  sendInvitation: {
    method: "POST",
    path: INVITATIONS,
    summary: "Invite a person by email to an organization role and project roles; the answer carries acceptUrl (a one-time code) once",
    status: 201,
    body: invitationInput,
    response: sentInvitation,
  },
  getInvitation: {
    method: "GET",
    path: `${INVITATIONS}/{invitationId}`,
    summary: "One invitation (never its acceptUrl)",
    status: 200,
    response: invitation,
  },
  revokeInvitation: {
    method: "DELETE",
    path: `${INVITATIONS}/{invitationId}`,
    summary: "Revoke a pending invitation (a no-op for one already revoked; 409 invitation_closed once accepted)",
    status: 204,
  },
  removeInvitationProject: {
    method: "DELETE",
    path: `${INVITATIONS}/{invitationId}/projects/{projectId}`,
    summary: "Drop one project from a pending invitation (a no-op when it does not name the project; 409 invitation_closed once it is no longer pending)",
    status: 204,
  },
  acceptInvitation: {
    method: "POST",
    path: "/v1/invitations/{invitationId}/accept",
    summary:
      "Accept an invitation, signed in (tenancy login) as the address it names, with the code of its acceptUrl: grants its organization and project roles at once (anyone else: 404)",
    status: 200,
    query: acceptQuery,
    response: membership,
  },
});
