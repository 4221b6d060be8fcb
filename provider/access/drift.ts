import type { Scope, TenancyClient } from "../client";
import { MODULE } from "../resource";
import { stackOf } from "./stack";
import { Access, Kept, pendingInvitations, undeclaredAccess } from "./undeclared";

/**
 * The undeclared access of a stack: that of every organization and project its state holds. Its
 * `scopes` are those of `tenancy drift --json` (`StackDrift`, provider/cli/drift.ts, which adds
 * the fields changed outside the stack), a stable shape (README, "tenancy drift").
 */

/** A resource of the stack's state, as `pulumi stack export` lists it. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  outputs?: Record<string, unknown>;
}

export interface ScopeDrift {
  /** `organization` or `project`. */
  scope: "organization" | "project";
  organizationId: string;
  projectId?: string;
  /** The organization's or project's name, as the state has it. */
  name: string;
  /** Access no resource of the stack declares: drift (`exclusiveAccess` removes it). */
  undeclared: Access[];
  /** Undeclared access that is never removed, and why (the deployer, the last admin). */
  kept: Kept[];
}

export interface DriftReport {
  stack: string;
  /** True when any scope has undeclared access: `tenancy drift` then exits 1. */
  drift: boolean;
  scopes: ScopeDrift[];
}

const TYPE = (kind: string) => `pulumi-nodejs:dynamic/${MODULE}:${kind}`;

export async function driftReport(client: TenancyClient, stack: string, resources: StateResource[]): Promise<DriftReport> {
  const urns = new Set(resources.map((r) => r.urn));
  const scopes: ScopeDrift[] = [];
  const invitationsOf = pendingInvitations(client);
  for (const r of resources) {
    const out = r.outputs ?? {};
    if (!r.id || (r.type !== TYPE("Organization") && r.type !== TYPE("Project"))) continue;
    const scope: Scope = r.type === TYPE("Project") ? { organizationId: String(out.organizationId), projectId: r.id } : { organizationId: r.id };
    const found = await undeclaredAccess(client, scope, stackOf(r.urn, urns), [out.deployedBy as string | undefined], invitationsOf);
    scopes.push({ scope: scope.projectId ? "project" : "organization", ...scope, name: String(out.name ?? r.id), undeclared: found.removable, kept: found.kept });
  }
  return { stack, drift: scopes.some((s) => s.undeclared.length > 0), scopes };
}
