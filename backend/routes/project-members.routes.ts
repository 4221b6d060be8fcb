import { PROJECT_MEMBER_OPERATIONS as OPS } from "../../schema/project-members.operations";
import { pageRequest, toPage } from "../http/pagination";
import { alternate, route } from "../http/route";
import { toMembership } from "../services/membership-rules";
import { addProjectMember, changeProjectMemberRole, findProjectMembership, listMembersOfProject, removeProjectMember } from "../services/project-members.service";

export const projectMemberRoutes = [
  route(OPS.listProjectMembers, {
    scope: "project",
    permission: "readProject",
    async handler({ db, access, query: q }) {
      return toPage(await listMembersOfProject(db, access, { email: q.email, externalId: q.externalId }, pageRequest(q)), toMembership);
    },
  }),
  route(OPS.addProjectMember, {
    scope: "project",
    permission: "manageProjectMembers",
    activeProject: true,
    async handler({ ctx, db, access, body }) {
      const added = await addProjectMember(ctx, db, access, body);
      return added.invitation ? alternate(added.invitation) : added.membership;
    },
  }),
  route(OPS.getProjectMember, {
    scope: "project",
    permission: "readProject",
    handler: async ({ db, access, params }) => toMembership(await findProjectMembership(db, access, params.userId)),
  }),
  route(OPS.updateProjectMember, {
    scope: "project",
    permission: "manageProjectMembers",
    ifMatch: ({ db, access, params }) => findProjectMembership(db, access, params.userId),
    activeProject: true,
    handler: ({ ctx, db, access, target, body }) => changeProjectMemberRole(ctx, db, access, target, body),
  }),
  route(OPS.removeProjectMember, {
    scope: "project",
    permission: "manageProjectMembers",
    // No activeProject: taking access away stays possible in an archived project.
    ifMatch: ({ db, access, params }) => findProjectMembership(db, access, params.userId),
    handler: ({ ctx, db, access, target }) => removeProjectMember(ctx, db, access, target),
  }),
];
