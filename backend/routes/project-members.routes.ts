import { email, externalId, page } from "../../schema/common";
import { membership, projectMemberInput, projectMemberPatch } from "../../schema/membership";
import { mergePatchOf } from "../http/merge-patch";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { created, noContent, ok, route } from "../http/route";
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
      return ok(toPage(await listMembersOfProject(db, access, { email: q.email, externalId: q.externalId }, pageRequest(q)), toMembership));
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
    handler: async ({ ctx, db, access, body }) => created(await addProjectMember(ctx, db, access, body)),
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
      return ok(m, m.version);
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
    async handler({ ctx, db, access, params, body }) {
      const m = await changeProjectMemberRole(ctx, db, access, params.userId, body);
      return ok(m, m.version);
    },
  }),
  route({
    method: "DELETE",
    path: `${MEMBERS}/{userId}`,
    operationId: "removeProjectMember",
    scope: "project",
    permission: "manageProjectMembers",
    summary: "Remove a project member (409 owns_active_keys naming the keys)",
    status: 204,
    async handler({ ctx, db, access, params }) {
      await removeProjectMember(ctx, db, access, params.userId);
      return noContent();
    },
  }),
];
