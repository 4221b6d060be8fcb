import { z } from "zod";
import { externalId, page } from "../../schema/common";
import { project, projectFields, projectInput } from "../../schema/project";
import { mergePatchOf } from "../http/merge-patch";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { archiveProject, createProject, listProjects, patchProject, toProject } from "../services/projects.service";

const PROJECTS = "/v1/organizations/{orgId}/projects";
const listProjectsQuery = listQuery({ name: z.string().max(200).optional(), externalId: externalId.optional(), status: z.enum(["active", "archived"]).optional() });

export const projectRoutes = [
  route({
    method: "GET",
    path: PROJECTS,
    operationId: "listProjects",
    scope: "organization",
    permission: "readOrganization",
    summary: "Projects the caller can see (all for admin and billing, their own for members)",
    status: 200,
    query: listProjectsQuery,
    response: page(project),
    async handler({ ctx, db, access, query: q }) {
      return toPage(await listProjects(ctx, db, access, { name: q.name, externalId: q.externalId, status: q.status }, pageRequest(q)), toProject);
    },
  }),
  route({
    method: "POST",
    path: PROJECTS,
    operationId: "createProject",
    scope: "organization",
    permission: "createProject",
    summary: "Create a project (production projects must pass the launch checklist; only admins set limits)",
    status: 201,
    body: projectInput,
    response: project,
    handler: async ({ ctx, db, access, body }) => createProject(ctx, db, access, body),
  }),
  route({
    method: "GET",
    path: `${PROJECTS}/{projectId}`,
    operationId: "getProject",
    scope: "project",
    permission: "readProject",
    summary: "One project",
    status: 200,
    response: project,
    handler: async ({ access }) => toProject(access.project),
  }),
  route({
    method: "PATCH",
    path: `${PROJECTS}/{projectId}`,
    operationId: "updateProject",
    scope: "project",
    permission: "editProject",
    summary: "Change a project (JSON merge patch; owners may change only the accountability fields)",
    status: 200,
    body: mergePatchOf(projectFields),
    response: project,
    ifMatch: ({ access }) => access.project,
    activeProject: true,
    handler: ({ ctx, db, access, body }) => patchProject(ctx, db, access, body),
  }),
  route({
    method: "DELETE",
    path: `${PROJECTS}/{projectId}`,
    operationId: "archiveProject",
    scope: "project",
    permission: "archiveProject",
    summary: "Archive a project: its keys are revoked, its history kept, its name freed",
    status: 204,
    ifMatch: ({ access }) => access.project,
    handler: ({ ctx, db, access }) => archiveProject(ctx, db, access),
  }),
  route({
    method: "GET",
    path: "/v1/projects/{projectId}",
    operationId: "getProjectById",
    scope: "project",
    permission: "readProject",
    summary: "A project by id alone",
    status: 200,
    response: project,
    handler: async ({ access }) => toProject(access.project),
  }),
];
