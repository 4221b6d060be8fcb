import { isBreakGlass } from "../auth/org-policy";
import type { OrgRole } from "../../schema/organization";
import type { ProjectRole } from "../../schema/project";
import type { Executor } from "../store/db";
import { userMemberships } from "../store/me.repository";
import type { Ctx } from "./context";
import { compact } from "./context";
import { isFenced } from "./organizations.service";
import { signInOf } from "./tokens.service";

/**
 * `/v1/me`: the caller and every live organization and project they hold a role in, except in
 * organizations whose policy refuses this request (they appear in no answer to it).
 */
export async function describeMe(ctx: Ctx, db: Executor) {
  const user = ctx.caller.user;
  const memberships = await userMemberships(db, user.id);
  const organizations = memberships.organizations.filter((o) => !isFenced(ctx, o));
  const visible = new Set(organizations.map((o) => o.id));
  const projects = memberships.projects;
  return {
    user: compact({ id: user.id, email: user.email, kind: user.kind, name: user.name }),
    token: compact({ id: ctx.caller.token.id, name: ctx.caller.token.name, signIn: signInOf(ctx.caller.token), breakGlass: isBreakGlass(ctx.caller) }),
    organizations: organizations.map((o) => ({ id: o.id, name: o.name, role: o.role as OrgRole })),
    projects: projects.filter((p) => visible.has(p.organization_id)).map((p) => ({ id: p.id, organizationId: p.organization_id, name: p.name, status: p.status, role: p.role as ProjectRole })),
  };
}
