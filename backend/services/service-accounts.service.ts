import { randomBytes } from "node:crypto";
import type { Membership } from "../../schema/membership";
import { serviceAccountInput } from "../../schema/membership";
import { tokenInput } from "../../schema/token";
import { isIdOf, notFound, orgAccess } from "../auth/access";
import { newId } from "../auth/credentials";
import { allow, mayGrantOrgRole, policy } from "../auth/policy";
import { parseInput } from "../http/validate";
import type { Trx } from "../store/db";
import { findOrgMember, insertOrgMember } from "../store/members.repository";
import { insertUser } from "../store/users.repository";
import { recordAudit } from "./audit.service";
import type { Ctx } from "./context";
import { assertMembershipExternalIdFree, toMembership } from "./members.service";
import { CreatedToken, mintToken, tokenChanges } from "./tokens.service";

/** Service accounts have no mailbox; their address is unique, recognisable and undeliverable. */
function serviceAccountEmail(): string {
  return `sa-${randomBytes(10).toString("hex")}@service-accounts.tenancy.invalid`;
}

/** An org admin creates a service account: a user of this organization, holding a role like a person. */
export async function createServiceAccount(ctx: Ctx, trx: Trx, orgId: string, body: unknown): Promise<Membership> {
  const access = await orgAccess(ctx, trx, orgId, { lock: true });
  allow(policy.manageOrgMembers(access), "create service accounts");
  const input = parseInput(serviceAccountInput, body);
  allow(mayGrantOrgRole(access, input.role), `grant the role ${input.role}`);
  await assertMembershipExternalIdFree(trx, "org_members", { column: "organization_id", id: orgId }, input.externalId);
  const user = await insertUser(trx, {
    id: newId("user"),
    email: serviceAccountEmail(),
    kind: "service_account",
    name: input.name,
    organization_id: orgId,
    created_at: ctx.now,
    updated_at: ctx.now,
  });
  await insertOrgMember(trx, { organization_id: orgId, user_id: user.id, role: input.role, external_id: input.externalId ?? null, version: 1, created_at: ctx.now, updated_at: ctx.now });
  await recordAudit(ctx, trx, {
    organizationId: orgId,
    action: "service_account.created",
    target: { type: "user", id: user.id },
    changes: { name: { from: null, to: user.name }, email: { from: null, to: user.email }, role: { from: null, to: input.role } },
  });
  return toMembership((await findOrgMember(trx, orgId, user.id))!);
}

/** Admins mint tokens for their organization's service accounts (CI, Pulumi deployments). */
export async function createServiceAccountToken(ctx: Ctx, trx: Trx, orgId: string, userId: string, body: unknown): Promise<CreatedToken> {
  const access = await orgAccess(ctx, trx, orgId, { lock: true });
  const member = isIdOf("user", userId) ? await findOrgMember(trx, orgId, userId) : undefined;
  if (!member || member.kind !== "service_account") throw notFound("service account", userId);
  allow(policy.manageOrgMembers(access), "create tokens for service accounts");
  const input = parseInput(tokenInput, body);
  const created = await mintToken(trx, userId, input.name, ctx.now, input.expiresInDays);
  await recordAudit(ctx, trx, { organizationId: orgId, action: "token.created", target: { type: "token", id: created.id }, changes: tokenChanges(created) });
  return created;
}
