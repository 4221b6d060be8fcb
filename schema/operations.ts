import { API_KEY_OPERATIONS } from "./api-keys.operations";
import { AUDIT_OPERATIONS } from "./audit.operations";
import { AUTH_OPERATIONS } from "./auth.operations";
import { CLAIM_OPERATIONS } from "./claims.operations";
import { INVITATION_OPERATIONS } from "./invitations.operations";
import { MEMBER_OPERATIONS } from "./members.operations";
import { ORGANIZATION_OPERATIONS } from "./organizations.operations";
import { PROJECT_MEMBER_OPERATIONS } from "./project-members.operations";
import { PROJECT_OPERATIONS } from "./projects.operations";
import { SYSTEM_OPERATIONS } from "./system.operations";
import { TOKEN_OPERATIONS } from "./tokens.operations";
import { USAGE_OPERATIONS } from "./usage.operations";

/**
 * Every operation by its id: the backend's routes are declared from these, the provider's client
 * calls them by name (and a gateway client may call the data plane's the same way).
 */
export const OPERATIONS = {
  ...TOKEN_OPERATIONS,
  ...ORGANIZATION_OPERATIONS,
  ...MEMBER_OPERATIONS,
  ...INVITATION_OPERATIONS,
  ...PROJECT_OPERATIONS,
  ...PROJECT_MEMBER_OPERATIONS,
  ...API_KEY_OPERATIONS,
  ...AUDIT_OPERATIONS,
  ...CLAIM_OPERATIONS,
  ...SYSTEM_OPERATIONS,
  ...USAGE_OPERATIONS,
  ...AUTH_OPERATIONS,
};
export type Operations = typeof OPERATIONS;
export type OperationId = keyof Operations;
