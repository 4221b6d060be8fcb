import { email, externalId, page } from "../../schema/common";
import { membership, projectMemberInput, projectMemberPatch } from "../../schema/membership";
import { projectAccess } from "../auth/access";
import { created } from "../http/idempotency";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { noContent, ok, route } from "../http/route";
import { toMembership } from "../services/members.service";
import { addProjectMember, changeProjectMemberRole, getProjectMember, listMembersOfProject, removeProjectMember } from "../services/project-members.service";

const MEMBERS = "/v1/organizations/{orgId}/projects/{projectId}/members";
const listMembersQuery = listQuery({ email: email.optional(), externalId: externalId.optional() });

export const projectMemberRoutes = [
  route({
    method: "GET",
    path: MEMBERS,
    summary: "A project's members",
    status: 200,
    query: listMembersQuery,
    response: page(membership),
    async handler({ ctx, params, query: q }) {
      const rows = await listMembersOfProject(ctx, params.orgId, params.projectId, { email: q.email, externalId: q.externalId }, pageRequest(q));
      return ok(toPage(rows, toMembership));
    },
  }),
  route({
    method: "POST",
    path: MEMBERS,
    summary: "Add an organization member to the project; 409 member_exists carries the existing membership",
    status: 201,
    body: projectMemberInput,
    response: membership,
    async handler(call) {
      const { orgId, projectId } = call.params;
      await projectAccess(call.ctx, call.store.db, orgId, projectId);
      return created(call, (trx) => addProjectMember(call.ctx, trx, orgId, projectId, call.body));
    },
  }),
  route({
    method: "GET",
    path: `${MEMBERS}/{userId}`,
    summary: "One project member",
    status: 200,
    response: membership,
    async handler({ ctx, params }) {
      const m = await getProjectMember(ctx, params.orgId, params.projectId, params.userId);
      return ok(m, m.version);
    },
  }),
  route({
    method: "PATCH",
    path: `${MEMBERS}/{userId}`,
    summary: "Change a project member's role (never above the caller's own)",
    status: 200,
    body: projectMemberPatch,
    response: membership,
    async handler({ ctx, params, body }) {
      const m = await changeProjectMemberRole(ctx, params.orgId, params.projectId, params.userId, body);
      return ok(m, m.version);
    },
  }),
  route({
    method: "DELETE",
    path: `${MEMBERS}/{userId}`,
    summary: "Remove a project member (409 owns_active_keys naming the keys)",
    status: 204,
    async handler({ ctx, params }) {
      await removeProjectMember(ctx, params.orgId, params.projectId, params.userId);
      return noContent();
    },
  }),
];
