import { TenancyClient } from "../client";
import { TenancyError } from "../../schema";
import { identify } from "../guardrails/identity";
import { ResourceInput, TenancyModel } from "../guardrails/model";
import { Preview } from "./preview";

/**
 * The backend's own objects behind the ids a preview names. A pull request's program says which
 * organization, project or user a step acts on, and what it calls them; the review shows what the
 * backend holds under those ids instead (name and id), and an id the backend does not know as
 * such. Organizations the stack does not declare (another stack's) are read too: their settings
 * decide what a key's expiry will be and what the guardrails find. A viewer token reads all of it.
 */

export interface Resolved {
  id: string;
  /** The backend's name: an organization's or project's name, a user's email. */
  name?: string;
  /** False when the backend answers 404: the id names nothing. */
  found: boolean;
  organizationId?: string;
  environment?: string;
  settings?: Record<string, unknown>;
  securityPolicy?: Record<string, unknown>;
}

export interface Directory {
  organization(id: string): Resolved | undefined;
  project(id: string): Resolved | undefined;
  user(id: string): Resolved | undefined;
}

export const EMPTY_DIRECTORY: Directory = { organization: () => undefined, project: () => undefined, user: () => undefined };

const str = (v: unknown) => (typeof v === "string" && /^(org|proj|user)_[A-Za-z0-9]+$/.test(v) ? v : undefined);

/** The organization, project and user ids resources name: their inputs' and, for existing objects, their own. */
function idsOf(resources: readonly ResourceInput[]): { orgs: string[]; projects: string[]; users: { id: string; orgId: string; projectId?: string }[] } {
  const out = { orgs: [] as string[], projects: [] as string[], users: [] as { id: string; orgId: string; projectId?: string }[] };
  for (const r of resources) {
    const orgId = str(r.props.organizationId);
    const projectId = str(r.props.projectId);
    if (orgId) out.orgs.push(orgId);
    if (projectId) out.projects.push(projectId);
    // A membership's or service account's id is `org/[project/]user`: the user it grants.
    const parts = (r.id ?? "").split("/");
    const user = str(parts[parts.length - 1]);
    if (user?.startsWith("user_") && str(parts[0])) out.users.push({ id: user, orgId: parts[0], projectId: parts.length === 3 ? parts[1] : undefined });
    if (r.id?.startsWith("org_") && parts.length === 1) out.orgs.push(r.id);
    if (r.id?.startsWith("proj_")) out.projects.push(r.id);
  }
  return out;
}

/** Reads through the API every id the preview's steps name; a 404 is a finding, any other error fails the review. */
export function resolveIds(preview: Preview, client: TenancyClient): Promise<Directory> {
  // Drift too: an object deleted outside the stack is named by its stored id, and shown as not found.
  const steps = [...preview.steps, ...(preview.drift ?? [])];
  return resolveResources(steps.flatMap((s) => [s.old, s.new].filter((r): r is ResourceInput => r !== undefined)), client);
}

/** Reads through the API every id the resources name (the policy pack's resources, a preview's states). */
export async function resolveResources(resources: readonly ResourceInput[], client: TenancyClient): Promise<Directory> {
  const orgs = new Map<string, Promise<Resolved>>();
  const projects = new Map<string, Promise<Resolved>>();
  const users = new Map<string, Promise<Resolved>>();
  const once = (cache: Map<string, Promise<Resolved>>, id: string, read: () => Promise<Omit<Resolved, "id" | "found">>) => {
    if (!cache.has(id)) cache.set(id, read().then((r) => ({ id, found: true, ...r }), (err) => (isNotFound(err) ? { id, found: false } : Promise.reject(err))));
  };
  const readOrg = (id: string) =>
    once(orgs, id, async () => {
      const o = await client.organizations.get(id);
      return { name: o.name, settings: o.settings as Record<string, unknown>, securityPolicy: o.securityPolicy as Record<string, unknown> };
    });
  const ids = idsOf(resources);
  ids.orgs.forEach(readOrg);
  for (const id of ids.projects) {
    once(projects, id, async () => {
      const p = await client.projects.getById(id);
      // The project's organization is read too: its key lifetime decides the project's key expiries.
      readOrg(p.organizationId);
      return { name: p.name, organizationId: p.organizationId, environment: p.environment };
    });
  }
  for (const u of ids.users) {
    once(users, u.id, async () => ({ name: (await client.members.get({ organizationId: u.orgId, projectId: u.projectId }, u.id)).email }));
  }
  // Projects add organizations while they resolve: wait until no read is left.
  const all = () => [...orgs.values(), ...projects.values(), ...users.values()];
  for (let n = -1; n !== all().length; ) {
    n = all().length;
    await Promise.all(all()).catch((err: Error) => {
      throw new Error(`cannot read the organizations, projects and users the preview names from ${client.endpoint}: ${err.message}`);
    });
  }
  const settled = async (cache: Map<string, Promise<Resolved>>) => new Map(await Promise.all([...cache].map(async ([k, v]) => [k, await v] as const)));
  const [o, p, u] = await Promise.all([settled(orgs), settled(projects), settled(users)]);
  return { organization: (id) => o.get(id), project: (id) => p.get(id), user: (id) => u.get(id) };
}

function isNotFound(err: unknown): boolean {
  return err instanceof TenancyError && err.code === "not_found";
}

/** How a review names a backend object: by the backend's name and its id, or the id as unknown. */
export function labelOf(r: Resolved): string {
  return r.found ? `${r.name} (${r.id})` : `${r.id} (not found in the backend)`;
}

/**
 * The organizations the resources name by id only (another stack's), as the backend holds them,
 * keyed `id:<id>` as the model refers to them: their settings decide what a key's expiry will be
 * and what the guardrails find, in the review and in the policy pack alike.
 */
export function externalOrganizations(resources: readonly ResourceInput[], directory: Directory): TenancyModel["organizations"] {
  const declared = declaredIds(resources);
  const named = new Set(resources.flatMap((r) => [r.props.organizationId, directory.project(String(r.props.projectId ?? ""))?.organizationId]).filter((id): id is string => typeof id === "string" && !declared.has(id)));
  return [...named].flatMap((id) => {
    const o = directory.organization(id);
    return o?.found ? [{ urn: `id:${id}`, name: o.name ?? id, settings: o.settings ?? {}, securityPolicy: o.securityPolicy ?? {} }] : [];
  });
}

/**
 * What resources name outside themselves: for each resource whose `organizationId` or `projectId`
 * is an id that none of them holds and that the program did not derive from one of them (another
 * stack's object), those references alone. Read through the API, they are what
 * `externalOrganizations` needs, and nothing more.
 */
export function referencesOutside(resources: readonly ResourceInput[]): ResourceInput[] {
  const declared = declaredIds(resources);
  // The policy pack sees no ids, only outputs: a value derived from a resource of the stack names that resource.
  const kinds = new Map(resources.map((r) => [r.urn, identify(r).kind]));
  const derived = (r: ResourceInput, field: string, kind: string) => (r.propertyDependencies?.[field] ?? []).some((u) => kinds.get(u) === kind);
  const fields = [["organizationId", "Organization"], ["projectId", "Project"]] as const;
  return resources.flatMap((r) => {
    const outside = fields.filter(([field, kind]) => str(r.props[field]) && !declared.has(r.props[field] as string) && !derived(r, field, kind));
    return outside.length ? [{ urn: r.urn, type: r.type, props: Object.fromEntries(outside.map(([field]) => [field, r.props[field]])) }] : [];
  });
}

const declaredIds = (resources: readonly ResourceInput[]) => new Set(resources.map((r) => r.id));
