import { z } from "zod";
import { externalId, page } from "../../schema/common";
import { project, projectInput } from "../../schema/project";
import { orgAccess } from "../auth/access";
import { created } from "../http/idempotency";
import { listQuery, pageRequest, toPage } from "../http/pagination";
import { noContent, ok, route } from "../http/route";
import { archiveProject, createProject, getProject, getProjectById, listProjects, patchProject, toProject } from "../services/projects.service";

// For the document only: a merge patch of the client-editable fields (validated merged, in full).
const projectPatch = project.omit({ id: true, organizationId: true, status: true, archivedAt: true, createdAt: true, updatedAt: true, version: true }).partial();
const PROJECTS = "/v1/organizations/{orgId}/projects";
const listProjectsQuery = listQuery({ name: z.string().max(200).optional(), externalId: externalId.optional(), status: z.enum(["active", "archived"]).optional() });

export const projectRoutes = [
  route({
    method: "GET",
    path: PROJECTS,
    summary: "Projects the caller can see (all for admin and billing, their own for members)",
    status: 200,
    query: listProjectsQuery,
    response: page(project),
    async handler({ ctx, params, query: q }) {
      return ok(toPage(await listProjects(ctx, params.orgId, { name: q.name, externalId: q.externalId, status: q.status }, pageRequest(q)), toProject));
    },
  }),
  route({
    method: "POST",
    path: PROJECTS,
    summary: "Create a project (production projects must pass the launch checklist)",
    status: 201,
    body: projectInput,
    response: project,
    async handler(call) {
      await orgAccess(call.ctx, call.store.db, call.params.orgId);
      return created(call, (trx) => createProject(call.ctx, trx, call.params.orgId, call.body));
    },
  }),
  route({
    method: "GET",
    path: `${PROJECTS}/{projectId}`,
    summary: "One project",
    status: 200,
    response: project,
    async handler({ ctx, params }) {
      const p = await getProject(ctx, params.orgId, params.projectId);
      return ok(p, p.version);
    },
  }),
  route({
    method: "PATCH",
    path: `${PROJECTS}/{projectId}`,
    summary: "Change a project (JSON merge patch; owners may change only the accountability fields)",
    status: 200,
    body: projectPatch,
    response: project,
    async handler({ ctx, params, body }) {
      const p = await patchProject(ctx, params.orgId, params.projectId, body);
      return ok(p, p.version);
    },
  }),
  route({
    method: "DELETE",
    path: `${PROJECTS}/{projectId}`,
    summary: "Archive a project: its keys are revoked, its history kept, its name freed",
    status: 204,
    async handler({ ctx, params }) {
      await archiveProject(ctx, params.orgId, params.projectId);
      return noContent();
    },
  }),
  route({
    method: "GET",
    path: "/v1/projects/{projectId}",
    summary: "A project by id alone",
    status: 200,
    response: project,
    async handler({ ctx, params }) {
      const p = await getProjectById(ctx, params.projectId);
      return ok(p, p.version);
    },
  }),
];
