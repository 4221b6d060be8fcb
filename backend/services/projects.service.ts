import type { z } from "zod";
import { OWNER_EDITABLE, Project, projectInput } from "../../schema/project";
import { TenancyError } from "../../schema/errors";
import type { OrgAccess, ProjectAccess } from "../auth/access";
import { newId } from "../auth/credentials";
import { allow, policy } from "../auth/policy";
import { changedFields, mergeAndValidate } from "../http/merge-patch";
import type { Executor } from "../store/db";
import { findActiveProjectByExternalId, findActiveProjectByName, findProjectWithRole, insertProject, listProjects as listProjectRows, ProjectFilter, ProjectRecord, updateProject } from "../store/projects.repository";
import type { PageRequest } from "../store/page";
import { revokeProjectKeys } from "./api-keys.service";
import { addMembership } from "./add-membership.service";
import { creationChanges, recordAudit } from "./audit.service";
import { compact, Ctx } from "./context";
import { recordClaim } from "./claims.service";

type ProjectInput = z.output<typeof projectInput>;

/** The client-editable view of a project: what a merge patch applies to. */
function editable(rec: ProjectRecord): Record<string, unknown> {
  return compact({ name: rec.name, environment: rec.environment, externalId: rec.external_id, ...rec.fields });
}

export function toProject(rec: ProjectRecord): Project {
  return compact({
    id: rec.id,
    organizationId: rec.organization_id,
    ...editable(rec),
    status: rec.status,
    archivedAt: rec.archived_at,
    createdAt: rec.created_at,
    updatedAt: rec.updated_at,
    version: rec.version,
  }) as Project;
}

function recordFields(p: ProjectInput): Pick<ProjectRecord, "name" | "environment" | "external_id" | "fields"> {
  const { name, environment, externalId, ...fields } = p;
  return { name, environment, external_id: externalId ?? null, fields };
}

/**
 * Names and externalIds are unique among the organization's active projects. The externalId is
 * checked first and its 409 carries the project (to callers who may read it), so a client retrying
 * a create it lost track of finds its own object without a list call.
 */
async function assertUnique(db: Executor, access: OrgAccess, userId: string, p: { name: string; externalId?: string }, self?: string) {
  const orgId = access.org.id;
  if (p.externalId !== undefined) {
    const external = await findActiveProjectByExternalId(db, orgId, p.externalId);
    if (external && external.id !== self) {
      const seen = await sees(db, access, userId, external);
      const existing = seen ? { existing: toProject(external) } : {};
      throw new TenancyError("external_id_taken", `externalId ${JSON.stringify(p.externalId)} is already used by ${seen ? `project ${external.id}` : "a project you cannot see"}`, existing);
    }
  }
  const named = await findActiveProjectByName(db, orgId, p.name);
  if (named && named.id !== self) {
    const which = (await sees(db, access, userId, named)) ? ` (${named.id})` : " (one you cannot see)";
    throw new TenancyError("name_taken", `an active project named ${JSON.stringify(p.name)} already exists in this organization${which}`);
  }
}

/** A conflict names the other project only to a caller who could read it (its id is no one else's business). */
async function sees(db: Executor, access: OrgAccess, userId: string, project: ProjectRecord): Promise<boolean> {
  return policy.seeAllProjects(access) || (await findProjectWithRole(db, project.id, userId))?.role !== undefined;
}

/** Fields only an admin may set; a creator who is not an admin may not set them on create either. */
function adminOnlyFieldsSet(input: ProjectInput): string[] {
  return Object.keys(input.limits).length > 0 ? ["limits"] : [];
}

export async function createProject(ctx: Ctx, db: Executor, access: OrgAccess, input: ProjectInput): Promise<Project> {
  const orgId = access.org.id;
  const adminOnly = adminOnlyFieldsSet(input);
  if (adminOnly.length > 0) allow(policy.changeProjectAdminFields(access), `set ${adminOnly.join(", ")} (an organization admin sets them)`);
  await assertUnique(db, access, ctx.caller.user.id, input);
  const rec: ProjectRecord = { id: newId("proj"), organization_id: orgId, ...recordFields(input), status: "active", version: 1, created_at: ctx.now, updated_at: ctx.now, archived_at: null };
  await insertProject(db, rec);
  await recordClaim(ctx, db, rec.id, input.externalId);
  const project = toProject(rec);
  await recordAudit(ctx, db, { organizationId: orgId, projectId: rec.id, action: "project.created", target: { type: "project", id: rec.id }, changes: creationChanges(project) });
  // A creator who is not an admin could not see the project otherwise: they become its owner.
  if (access.orgRole !== "admin") {
    await addMembership(ctx, db, { organizationId: orgId, projectId: rec.id, user: ctx.caller.user, role: "owner" });
  }
  return project;
}

export function listProjects(ctx: Ctx, db: Executor, access: OrgAccess, filter: Omit<ProjectFilter, "memberUserId">, page: PageRequest) {
  const scoped = policy.seeAllProjects(access) ? filter : { ...filter, memberUserId: ctx.caller.user.id };
  return listProjectRows(db, access.org.id, scoped, page);
}

/** A merge patch authorized by the fields it changes: owners edit OWNER_EDITABLE, admins all. */
export async function patchProject(ctx: Ctx, db: Executor, access: ProjectAccess, patch: Record<string, unknown>): Promise<Project> {
  const { project } = access;
  const before = editable(project);
  const after = mergeAndValidate(projectInput, before, patch);
  const changes = changedFields(before, compact(after as Record<string, unknown>));
  const fields = Object.keys(changes);
  if (fields.length === 0) return toProject(project);
  const ownerOnly = fields.every((f) => (OWNER_EDITABLE as readonly string[]).includes(f));
  allow(ownerOnly ? policy.changeProjectOwnerFields(access) : policy.changeProjectAdminFields(access), `change ${fields.join(", ")}`);
  await assertUnique(db, access, ctx.caller.user.id, after, project.id);
  const rec: ProjectRecord = { ...project, ...recordFields(after), version: project.version + 1, updated_at: ctx.now };
  await updateProject(db, project.id, rec);
  await recordAudit(ctx, db, { organizationId: project.organization_id, projectId: project.id, action: "project.updated", target: { type: "project", id: project.id }, changes });
  return toProject(rec);
}

/** DELETE archives: keys revoked, history kept, the name free again. Archiving twice is a no-op. */
export async function archiveProject(ctx: Ctx, db: Executor, access: ProjectAccess): Promise<void> {
  const { project } = access;
  if (project.status === "archived") return;
  await revokeProjectKeys(ctx, db, project.id);
  await updateProject(db, project.id, { status: "archived", archived_at: ctx.now, version: project.version + 1, updated_at: ctx.now });
  await recordAudit(ctx, db, {
    organizationId: project.organization_id,
    projectId: project.id,
    action: "project.archived",
    target: { type: "project", id: project.id },
    changes: { status: { from: "active", to: "archived" } },
  });
}
