import { email, externalId, listQuery, page } from "./common";
import { membership, projectMemberInput, projectMemberPatch } from "./membership";
import { mergePatchOf } from "./merge-patch";
import { operations } from "./operation";
import { invitation } from "./invitation";

const MEMBERS = "/v1/organizations/{orgId}/projects/{projectId}/members";

export const PROJECT_MEMBER_OPERATIONS = operations({
  listProjectMembers: {
    method: "GET",
    path: MEMBERS,
    summary: "A project's members",
    status: 200,
    query: listQuery({ email: email.optional(), externalId: externalId.optional() }),
    response: page(membership),
  },
  addProjectMember: {
    method: "POST",
    path: MEMBERS,
    summary: "Add an organization member to the project; for a person without an account who has a pending invitation, the project is added to it (202); 409 member_exists carries the existing membership",
    status: 201,
    body: projectMemberInput,
    response: membership,
    alternate: {
      status: 202,
      when: "the person has no account but a pending invitation to the organization: the project (with this role and externalId) is added to that invitation, granted when they accept",
      response: invitation,
    },
  },
  getProjectMember: {
    method: "GET",
    path: `${MEMBERS}/{userId}`,
    summary: "One project member",
    status: 200,
    response: membership,
  },
  updateProjectMember: {
    method: "PATCH",
    path: `${MEMBERS}/{userId}`,
    summary: "Change a project member's role (never above the caller's own)",
    status: 200,
    body: mergePatchOf(projectMemberPatch),
    response: membership,
  },
  removeProjectMember: {
    method: "DELETE",
    path: `${MEMBERS}/{userId}`,
    summary: "Remove a project member (409 owns_active_keys naming the keys)",
    status: 204,
  },
});
