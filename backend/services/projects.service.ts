import { OWNER_EDITABLE, Project, projectInput } from "../../schema/project";
import { TenancyError } from "../../schema/errors";
import { assertProjectActive, isIdOf, notFound, orgAccess, projectAccess, projectWithin } from "../auth/access";
import { newId } from "../auth/credentials";
import { allow, policy } from "../auth/policy";
import { checkIfMatch } from "../http/etag";
import { changedFields, mergeAndValidate } from "../http/merge-patch";
import { parseInput } from "../http/validate";
import type { Executor, Trx } from "../store/db";
import { insertProjectMember } from "../store/members.repository";
import { findActiveProjectByExternalId, findActiveProjectByName, findProject, insertProject, listProjects as listProjectRows, ProjectFilter, updateProject } from "../store/projects.repository";
import type { PageRequest } from "../store/page";
import type { ProjectRow } from "../store/tables";
import { revokeProjectKeys } from "./api-keys.service";
import { creationChanges, recordAudit } from "./audit.service";
import { compact, Ctx, transaction } from "./context";

/** The client-editable view of a project: what a merge patch applies to. */
function editable(row: ProjectRow): Record<string, unknown> {
  return compact({ name: row.name, environment: row.environment, externalId: row.external_id, ...(JSON.parse(row.fields) as object) });
}

export function toProject(row: ProjectRow): Project {
  return compact({
    id: row.id,
    organizationId: row.organization_id,
    ...editable(row),
    status: row.status,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  }) as Project;
}

function rowFields(p: Record<string, unknown>): Pick<ProjectRow, "name" | "environment" | "external_id" | "fields"> {
  const { name, environment, externalId, ...fields } = p;
  return { name: name as string, environment: environment as string, external_id: (externalId as string | undefined) ?? null, fields: JSON.stringify(fields) };
}

/** Names and externalIds are unique among the organization's active projects. */
async function assertUnique(db: Executor, orgId: string, p: { name: string; externalId?: string }, self?: string) {
  const named = await findActiveProjectByName(db, orgId, p.name);
  if (named && named.id !== self) throw new TenancyError("name_taken", `an active project named ${JSON.stringify(p.name)} already exists in this organization (${named.id})`);
  if (p.externalId === undefined) return;
  const external = await findActiveProjectByExternalId(db, orgId, p.externalId);
  if (external && external.id !== self) {
    throw new TenancyError("external_id_taken", `externalId ${JSON.stringify(p.externalId)} is already used by project ${external.id}`);
  }
}

export async function createProject(ctx: Ctx, trx: Trx, orgId: string, body: unknown): Promise<Project> {
  const access = await orgAccess(ctx, trx, orgId, { lock: true });
  const { membersCanCreateProjects } = JSON.parse(access.org.settings) as { membersCanCreateProjects?: boolean };
  allow(policy.createProject(access, membersCanCreateProjects === true), "create projects in this organization");
  const input = compact(parseInput(projectInput, body) as Record<string, unknown>);
  await assertUnique(trx, orgId, input as { name: string; externalId?: string });
  const row: ProjectRow = { id: newId("proj"), organization_id: orgId, ...rowFields(input), status: "active", version: 1, created_at: ctx.now, updated_at: ctx.now, archived_at: null };
  await insertProject(trx, row);
  const project = toProject(row);
  await recordAudit(ctx, trx, { organizationId: orgId, projectId: row.id, action: "project.created", target: { type: "project", id: row.id }, changes: creationChanges(project) });
  // A creator who is not an admin could not see the project otherwise: they become its owner.
  if (access.orgRole !== "admin") {
    await insertProjectMember(trx, { project_id: row.id, user_id: ctx.caller.user.id, organization_id: orgId, role: "owner", external_id: null, version: 1, created_at: ctx.now, updated_at: ctx.now });
    await recordAudit(ctx, trx, {
      organizationId: orgId,
      projectId: row.id,
      action: "member.added",
      target: { type: "user", id: ctx.caller.user.id },
      changes: { email: { from: null, to: ctx.caller.user.email }, role: { from: null, to: "owner" } },
    });
  }
  return project;
}

export async function getProject(ctx: Ctx, orgId: string, projectId: string): Promise<Project> {
  return toProject((await projectAccess(ctx, ctx.store.db, orgId, projectId)).project);
}

/** `/v1/projects/{id}`: every failure, an invisible organization included, is the project's 404. */
export async function getProjectById(ctx: Ctx, projectId: string): Promise<Project> {
  const row = isIdOf("project", projectId) ? await findProject(ctx.store.db, projectId) : undefined;
  if (!row) throw notFound("project", projectId);
  try {
    return toProject((await projectWithin(ctx, ctx.store.db, await orgAccess(ctx, ctx.store.db, row.organization_id), projectId)).project);
  } catch (e) {
    if (e instanceof TenancyError && e.code === "not_found") throw notFound("project", projectId);
    throw e;
  }
}

export async function listProjects(ctx: Ctx, orgId: string, filter: Omit<ProjectFilter, "memberUserId">, page: PageRequest) {
  const access = await orgAccess(ctx, ctx.store.db, orgId);
  const scoped = policy.seeAllProjects(access) ? filter : { ...filter, memberUserId: ctx.caller.user.id };
  return listProjectRows(ctx.store.db, orgId, scoped, page);
}

/** A merge patch authorized by the fields it changes: owners edit OWNER_EDITABLE, admins all. */
export async function patchProject(ctx: Ctx, orgId: string, projectId: string, patch: unknown): Promise<Project> {
  await projectAccess(ctx, ctx.store.db, orgId, projectId);
  return transaction(ctx, async (trx) => {
    const access = await projectAccess(ctx, trx, orgId, projectId, { lock: true });
    checkIfMatch(ctx.ifMatch, access.project.version);
    const before = editable(access.project);
    const after = compact(mergeAndValidate(projectInput, before, patch) as Record<string, unknown>);
    const changes = changedFields(before, after);
    const fields = Object.keys(changes);
    allow(policy.changeProjectOwnerFields(access), "change this project");
    if (fields.length === 0) return toProject(access.project);
    const ownerOnly = fields.every((f) => (OWNER_EDITABLE as readonly string[]).includes(f));
    allow(ownerOnly ? policy.changeProjectOwnerFields(access) : policy.changeProjectAdminFields(access), `change ${fields.join(", ")}`);
    assertProjectActive(access.project);
    await assertUnique(trx, orgId, after as { name: string; externalId?: string }, projectId);
    const row: ProjectRow = { ...access.project, ...rowFields(after), version: access.project.version + 1, updated_at: ctx.now };
    await updateProject(trx, projectId, row);
    await recordAudit(ctx, trx, { organizationId: orgId, projectId, action: "project.updated", target: { type: "project", id: projectId }, changes });
    return toProject(row);
  });
}

/** DELETE archives: keys revoked, history kept, the name free again. Archiving twice is a no-op. */
export async function archiveProject(ctx: Ctx, orgId: string, projectId: string): Promise<void> {
  await projectAccess(ctx, ctx.store.db, orgId, projectId);
  await transaction(ctx, async (trx) => {
    const access = await projectAccess(ctx, trx, orgId, projectId, { lock: true });
    allow(policy.changeProjectAdminFields(access), "archive this project");
    checkIfMatch(ctx.ifMatch, access.project.version);
    if (access.project.status === "archived") return;
    await revokeProjectKeys(ctx, trx, projectId);
    await updateProject(trx, projectId, { status: "archived", archived_at: ctx.now, version: access.project.version + 1, updated_at: ctx.now });
    await recordAudit(ctx, trx, {
      organizationId: orgId,
      projectId,
      action: "project.archived",
      target: { type: "project", id: projectId },
      changes: { status: { from: "active", to: "archived" } },
    });
  });
}

