import { email, externalId, page } from "../../schema/common";
import { membership, projectMemberInput, projectMemberPatch } from "../../schema/membership";
import { mergePatchOf } from "../http/merge-patch";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { toMembership } from "../services/members.service";
import { addProjectMember, changeProjectMemberRole, findProjectMembership, listMembersOfProject, removeProjectMember } from "../services/project-members.service";

const MEMBERS = "/v1/organizations/{orgId}/projects/{projectId}/members";
const listMembersQuery = listQuery({ email: email.optional(), externalId: externalId.optional() });

export const projectMemberRoutes = [
  route({
    method: "GET",
    path: MEMBERS,
    operationId: "listProjectMembers",
    scope: "project",
    permission: "readProject",
    summary: "A project's members",
    status: 200,
    query: listMembersQuery,
    response: page(membership),
    async handler({ db, access, query: q }) {
      return toPage(await listMembersOfProject(db, access, { email: q.email, externalId: q.externalId }, pageRequest(q)), toMembership);
    },
  }),
  route({
    method: "POST",
    path: MEMBERS,
    operationId: "addProjectMember",
    scope: "project",
    permission: "manageProjectMembers",
    summary: "Add an organization member to the project; 409 member_exists carries the existing membership",
    status: 201,
    body: projectMemberInput,
    response: membership,
    activeProject: true,
    handler: async ({ ctx, db, access, body }) => addProjectMember(ctx, db, access, body),
  }),
  route({
    method: "GET",
    path: `${MEMBERS}/{userId}`,
    operationId: "getProjectMember",
    scope: "project",
    permission: "readProject",
    summary: "One project member",
    status: 200,
    response: membership,
    async handler({ db, access, params }) {
      const m = toMembership(await findProjectMembership(db, access, params.userId));
      return m;
    },
  }),
  route({
    method: "PATCH",
    path: `${MEMBERS}/{userId}`,
    operationId: "updateProjectMember",
    scope: "project",
    permission: "manageProjectMembers",
    summary: "Change a project member's role (never above the caller's own)",
    status: 200,
    body: mergePatchOf(projectMemberPatch),
    response: membership,
    ifMatch: ({ db, access, params }) => findProjectMembership(db, access, params.userId),
    activeProject: true,
    handler: ({ ctx, db, access, target, body }) => changeProjectMemberRole(ctx, db, access, target, body),
  }),
  route({
    method: "DELETE",
    path: `${MEMBERS}/{userId}`,
    operationId: "removeProjectMember",
    scope: "project",
    permission: "manageProjectMembers",
    summary: "Remove a project member (409 owns_active_keys naming the keys)",
    status: 204,
    // No activeProject: taking access away stays possible in an archived project.
    ifMatch: ({ db, access, params }) => findProjectMembership(db, access, params.userId),
    handler: ({ ctx, db, access, target }) => removeProjectMember(ctx, db, access, target),
  }),
];
