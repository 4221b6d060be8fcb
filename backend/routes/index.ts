import { apiKeyRoutes } from "./api-keys.routes";
import { auditRoutes } from "./audit.routes";
import { claimRoutes } from "./claims.routes";
import { memberRoutes } from "./members.routes";
import { organizationRoutes } from "./organizations.routes";
import { projectMemberRoutes } from "./project-members.routes";
import { projectRoutes } from "./projects.routes";
import { tokenRoutes } from "./tokens.routes";
import { tokenExpiryRoutes } from "./token-expiry.routes";
import type { RouteDef } from "../http/route";
import { usageRoutes } from "./usage.routes";

/** The management API's route table: the router registers it and /openapi.json describes it. */
export const API_ROUTES: readonly RouteDef[] = [
  ...tokenRoutes,
  ...organizationRoutes,
  ...memberRoutes,
  ...tokenExpiryRoutes,
  ...projectRoutes,
  ...projectMemberRoutes,
  ...apiKeyRoutes,
  ...auditRoutes,
  ...claimRoutes,
  ...usageRoutes,
];

export { systemRoutes } from "./system.routes";
export { authRoutes } from "./auth.routes";
export { invitationRoutes } from "./invitations.routes";
