import type { Ctx } from "./context";
import { compact } from "./context";

/** `/v1/me`: the caller and every live organization and project they hold a role in. */
export async function describeMe(ctx: Ctx) {
  const db = ctx.store.db;
  const user = ctx.caller.user;
  const organizations = await db
    .selectFrom("org_members as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .select(["o.id", "o.name", "m.role"])
    .where("m.user_id", "=", user.id)
    .where("o.deleted_at", "is", null)
    .orderBy("o.created_at")
    .orderBy("o.id")
    .execute();
  const projects = await db
    .selectFrom("project_members as m")
    .innerJoin("projects as p", "p.id", "m.project_id")
    .innerJoin("organizations as o", "o.id", "p.organization_id")
    .select(["p.id", "p.organization_id", "p.name", "p.status", "m.role"])
    .where("m.user_id", "=", user.id)
    .where("o.deleted_at", "is", null)
    .orderBy("p.created_at")
    .orderBy("p.id")
    .execute();
  return {
    user: compact({ id: user.id, email: user.email, kind: user.kind, name: user.name }),
    token: { id: ctx.caller.token.id, name: ctx.caller.token.name },
    organizations: organizations.map((o) => ({ id: o.id, name: o.name, role: o.role })),
    projects: projects.map((p) => ({ id: p.id, organizationId: p.organization_id, name: p.name, status: p.status, role: p.role })),
  };
}
