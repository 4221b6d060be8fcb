import type { OrgRole } from "../schema";
import type { TenancyClient } from "./client";
import { isCode } from "./inputs";

/**
 * A 404 from the API means "missing" or "not visible to this token", and the API rightly does
 * not tell them apart. Before refresh drops a resource, or delete passes over it, the provider
 * makes sure it is the former: the caller's token would certainly see the object if it existed.
 * That is, by where the resource lives:
 * - an object of the organization (a member, a service account): the caller sees the organization;
 * - a project: the caller's role in the organization sees every project of it (admin, billing);
 * - an object inside a project (a key, a project member): that, or the caller sees the project;
 * - the organization itself: its 404 says nothing more than that the caller cannot see it.
 * Or else the caller is the identity that deployed it and no longer sees its organization (then
 * the organization is gone). Otherwise the token is most likely one that cannot see the object,
 * and the operation fails saying so.
 */
export interface Whereabouts {
  /** `Project "chat-prod"`: how the error names the resource. */
  label: string;
  organizationId: string;
  /** The user whose token created the resource (absent in state written before it was kept). */
  deployedBy?: string;
  /** The resource is the organization itself: its own 404 already says the caller cannot see it. */
  isOrganization?: boolean;
  /** The project the resource is (`isProject`) or lives in (a key, a project member). */
  projectId?: string;
  isProject?: boolean;
}

export const GONE = Symbol("gone");

/**
 * The organization roles that see every project of the organization, their members and keys
 * (DESIGN.md "Roles", the backend's `policy.seeAllProjects`); the others see only their own.
 */
export const SEES_EVERY_PROJECT: ReadonlySet<OrgRole> = new Set<OrgRole>(["admin", "billing", "viewer"]);

/** Awaits `call`; a 404 becomes `GONE` once confirmed, and an error naming the likely mistake otherwise. */
export async function unlessGone<T>(client: TenancyClient, call: Promise<T>, where: Whereabouts): Promise<T | typeof GONE> {
  try {
    return await call;
  } catch (err) {
    if (!isCode(err, "not_found")) throw err;
    await confirmGone(client, where);
    return GONE;
  }
}

async function confirmGone(client: TenancyClient, where: Whereabouts): Promise<void> {
  const me = await client.me();
  // The deployer's token is trusted only where its organization is out of its sight (then the
  // organization is gone): a deployer who merely lost sight of a project is told so, like anyone.
  const byDeployer = where.deployedBy === me.user.id;
  const { organizationId: orgId, projectId } = where;

  let role: OrgRole | undefined;
  if (where.isOrganization) {
    // Only the deployer may take the organization's own 404 for a deletion.
    if (byDeployer) return;
  } else if (!projectId) {
    if ((await client.canSee(orgId)) || byDeployer) return;
  } else {
    role = me.organizations.find((o) => o.id === orgId)?.role;
    if (role && SEES_EVERY_PROJECT.has(role)) return;
    if (role && !where.isProject && (await client.canSeeProject(orgId, projectId))) return;
    if (!role && byDeployer) return;
  }

  const who = `${where.label} was not found, and ${me.user.email} (${me.user.id})`;
  const token = "tenancy:token (or TENANCY_TOKEN) is most likely the token of a user who";
  const deployer = where.deployedBy ? `${where.deployedBy}, who deployed it` : "the identity that deployed it";
  const instead = projectId
    ? `Use a token of a member of project ${projectId}, of an admin or billing member of organization ${orgId}, or of ${deployer}`
    : `Use a token of a member of the organization, or of ${deployer}`;
  const why = role
    ? `cannot see project ${projectId}: their role in organization ${orgId} is ${role}, which sees only the projects they are a member of; ` +
      `${token} is not a member of the project`
    : // Another tenancy backend answers the same way: the endpoint is as likely a mistake as the token.
      `cannot see organization ${orgId}: ${token} is not a member of it, or tenancy:endpoint (${client.endpoint}) is not the backend it was deployed to`;
  throw new Error(`${who} ${why}. ${instead}; nothing was removed from the state`);
}
