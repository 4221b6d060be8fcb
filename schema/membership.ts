import { z } from "zod";
import { email, externalId, idOf, meta, name } from "./common";
import { orgRole } from "./organization";
import { projectRole } from "./project";

/**
 * Service accounts get an undeliverable address at this domain. A service account exists in
 * exactly one organization, so no address here can be added as a member anywhere.
 */
export const SERVICE_ACCOUNT_EMAIL_DOMAIN = "service-accounts.tenancy.invalid";

/** POST body of both organization and project members; the role set depends on the scope. */
export const orgMemberInput = z.strictObject({ email, role: orgRole, externalId: externalId.optional() });
export const projectMemberInput = z.strictObject({ email, role: projectRole, externalId: externalId.optional() });
/**
 * A membership's changes: its role, and the `externalId` of a deployment that takes it over
 * (`adopt`), so that what the deployment declares is known to be its own (exclusive access).
 */
export const orgMemberPatch = z.strictObject({ role: orgRole, externalId: externalId.optional() });
export const projectMemberPatch = z.strictObject({ role: projectRole, externalId: externalId.optional() });

export const membership = z.strictObject({
  userId: idOf("user"),
  email,
  // A service account's membership carries its display name; people have none.
  kind: z.enum(["person", "service_account"]),
  name: name.optional(),
  role: z.union([orgRole, projectRole]),
  organizationId: idOf("organization"),
  projectId: idOf("project").optional(),
  externalId: externalId.optional(),
  ...meta,
});
export type Membership = z.infer<typeof membership>;

export const serviceAccountInput = z.strictObject({ name, role: orgRole, externalId: externalId.optional() });
