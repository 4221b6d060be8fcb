import { PROJECT_OPERATIONS as OPS } from "../../schema/projects.operations";
import { pageRequest, toPage } from "../http/pagination";
import { route } from "../http/route";
import { archiveProject, createProject, listProjects, patchProject, toProject } from "../services/projects.service";

export const projectRoutes = [
  route(OPS.listProjects, {
    scope: "organization",
    permission: "readOrganization",
    async handler({ ctx, db, access, query: q }) {
      return toPage(await listProjects(ctx, db, access, { name: q.name, externalId: q.externalId, status: q.status }, pageRequest(q)), toProject);
    },
  }),
  route(OPS.createProject, {
    scope: "organization",
    permission: "createProject",
    handler: async ({ ctx, db, access, body }) => createProject(ctx, db, access, body),
  }),
  route(OPS.getProject, {
    scope: "project",
    permission: "readProject",
    handler: async ({ access }) => toProject(access.project),
  }),
  route(OPS.updateProject, {
    scope: "project",
    permission: "editProject",
    ifMatch: ({ access }) => access.project,
    activeProject: true,
    handler: ({ ctx, db, access, body }) => patchProject(ctx, db, access, body),
  }),
  route(OPS.archiveProject, {
    scope: "project",
    permission: "archiveProject",
    ifMatch: ({ access }) => access.project,
    handler: ({ ctx, db, access }) => archiveProject(ctx, db, access),
  }),
  route(OPS.getProjectById, {
    scope: "project",
    permission: "readProject",
    handler: async ({ access }) => toProject(access.project),
  }),
];
