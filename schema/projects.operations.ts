import { z } from "zod";
import { externalId, listQuery, page } from "./common";
import { mergePatchOf } from "./merge-patch";
import { operations } from "./operation";
import { project, projectFields, projectInput } from "./project";

const PROJECTS = "/v1/organizations/{orgId}/projects";

export const PROJECT_OPERATIONS = operations({
  listProjects: {
    method: "GET",
    path: PROJECTS,
    summary: "Projects the caller can see (all for admin and billing, their own for members)",
    status: 200,
    query: listQuery({ name: z.string().max(200).optional(), externalId: externalId.optional(), status: z.enum(["active", "archived"]).optional() }),
    response: page(project),
  },
  createProject: {
    method: "POST",
    path: PROJECTS,
    summary: "Create a project (production projects must pass the launch checklist; only admins set limits)",
    status: 201,
    body: projectInput,
    response: project,
  },
  getProject: {
    method: "GET",
    path: `${PROJECTS}/{projectId}`,
    summary: "One project",
    status: 200,
    response: project,
  },
  updateProject: {
    method: "PATCH",
    path: `${PROJECTS}/{projectId}`,
    summary: "Change a project (JSON merge patch; owners may change only the accountability fields)",
    status: 200,
    body: mergePatchOf(projectFields),
    response: project,
  },
  archiveProject: {
    method: "DELETE",
    path: `${PROJECTS}/{projectId}`,
    summary: "Archive a project: its keys are revoked, its history kept, its name freed",
    status: 204,
  },
  getProjectById: {
    method: "GET",
    path: "/v1/projects/{projectId}",
    summary: "A project by id alone",
    status: 200,
    response: project,
  },
});
