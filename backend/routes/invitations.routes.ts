import { INVITATION_OPERATIONS as OPS } from "../../schema/invitations.operations";
import { pageRequest, toPage } from "../http/pagination";
import { route, RouteDef } from "../http/route";
import { acceptInvitation, getInvitation, listOrgInvitations, removeInvitationProject, revokeInvitation, sendInvitation, toInvitation } from "../services/invitations.service";

/**
 * Invitations. Who may invite is who may add organization members (admins: an invitation grants
 * an organization role, which DESIGN.md's roles table leaves to admins); whoever may list the
 * members may list the invitations. `publicUrl` is where the accept links point.
 */
export function invitationRoutes(publicUrl: string): RouteDef[] {
  return [
    route(OPS.listInvitations, {
      scope: "organization",
      permission: "readOrganization",
      async handler({ ctx, db, access, query: q }) {
        const filter = { email: q.email, status: q.status, newestFirst: q.order === "newest" };
        return toPage(await listOrgInvitations(ctx, db, access.org.id, filter, pageRequest(q)), (r) => toInvitation(r, ctx.now));
      },
    }),
    route(OPS.sendInvitation, {
      scope: "organization",
      permission: "manageOrgMembers",
      answers: ["member_exists"],
      handler: async ({ ctx, db, access, body }) => sendInvitation(ctx, db, access, body, publicUrl),
    }),
    route(OPS.getInvitation, {
      scope: "organization",
      permission: "readOrganization",
      handler: async ({ ctx, db, access, params }) => getInvitation(ctx, db, access.org.id, params.invitationId),
    }),
    route(OPS.revokeInvitation, {
      scope: "organization",
      permission: "manageOrgMembers",
      answers: ["invitation_closed"],
      async handler({ ctx, db, access, params }) {
        await revokeInvitation(ctx, db, access.org.id, params.invitationId);
      },
    }),
    // Whoever may add a member to the project may take the project out of an invitation
    // (project owners for their projects, admins), as removing a project member.
    route(OPS.removeInvitationProject, {
      scope: "project",
      permission: "manageProjectMembers",
      answers: ["invitation_closed"],
      async handler({ ctx, db, access, params }) {
        await removeInvitationProject(ctx, db, access.project.organization_id, params.invitationId, access.project.id);
      },
    }),
    route(OPS.acceptInvitation, {
      scope: "user",
      permission: "person",
      answers: ["invitation_closed", "member_exists"],
      handler: async ({ ctx, db, params, query }) => acceptInvitation(ctx, db, params.invitationId, query.code),
    }),
  ];
}
