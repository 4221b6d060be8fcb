import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type { Membership } from "../../schema/membership";
import { SERVICE_ACCOUNT_EMAIL_DOMAIN, serviceAccountInput } from "../../schema/membership";
import type { Token, tokenInput } from "../../schema/token";
import { notFound, OrgAccess } from "../auth/access";
import { newId } from "../auth/credentials";
import { allow, mayGrantOrgRole } from "../auth/policy";
import type { Executor } from "../store/db";
import { findOrgMember, OrgMemberView } from "../store/members.repository";
import type { PageRequest } from "../store/page";
import { findUserToken, listUserTokens } from "../store/tokens.repository";
import { findUserById, insertUser } from "../store/users.repository";
import { addMembership } from "./add-membership.service";
import { recordAudit } from "./audit.service";
import type { Ctx } from "./context";
import { assertMembershipExternalIdFree, toMembership } from "./membership-rules";
import { CreatedToken, lineageOf, mintToken, revokeTokenWithAudit, tokenChanges, toToken } from "./tokens.service";

/** Service accounts have no mailbox; their address is unique, recognisable and undeliverable. */
function serviceAccountEmail(): string {
  return `sa-${randomBytes(10).toString("hex")}@${SERVICE_ACCOUNT_EMAIL_DOMAIN}`;
}

/** An org admin creates a service account: a user of this organization, holding a role like a person. */
export async function createServiceAccount(ctx: Ctx, db: Executor, access: OrgAccess, input: z.output<typeof serviceAccountInput>): Promise<Membership> {
  const orgId = access.org.id;
  allow(mayGrantOrgRole(access, input.role), `grant the role ${input.role}`);
  await assertMembershipExternalIdFree(db, "org_members", { column: "organization_id", id: orgId }, input.externalId);
  const user = await insertUser(db, {
    id: newId("user"),
    email: serviceAccountEmail(),
    kind: "service_account",
    name: input.name,
    organization_id: orgId,
    created_at: ctx.now,
    updated_at: ctx.now,
  });
  await addMembership(ctx, db, { organizationId: orgId, user, role: input.role, externalId: input.externalId }, {
    action: "service_account.created",
    changes: { name: { from: null, to: user.name }, email: { from: null, to: user.email }, role: { from: null, to: input.role } },
  });
  return toMembership((await findOrgMember(db, orgId, user.id))!);
}

/**
 * A service account of this organization: a member of kind service_account that was created
 * here. Anything else (a person, another organization's account) is the same 404.
 */
export async function ownServiceAccount(db: Executor, orgId: string, userId: string): Promise<OrgMemberView> {
  const member = await findOrgMember(db, orgId, userId);
  const user = member?.kind === "service_account" ? await findUserById(db, userId) : undefined;
  if (!member || user?.organization_id !== orgId) throw notFound("service account", userId);
  return member;
}

/** Admins mint tokens for their organization's own service accounts (CI, Pulumi deployments). */
export async function createServiceAccountToken(ctx: Ctx, db: Executor, access: OrgAccess, userId: string, input: z.output<typeof tokenInput>): Promise<CreatedToken> {
  await ownServiceAccount(db, access.org.id, userId);
  // A person minting a CI token delegates: that is what the route is for. A service account
  // minting one (for itself or another account) hands on its own token's age and end, or an admin
  // account could renew itself for ever, or two accounts could renew each other.
  const lineage = ctx.caller.user.kind === "service_account" ? lineageOf(ctx) : undefined;
  const created = await mintToken(db, userId, input.name, ctx.now, input.expiresInDays, undefined, lineage);
  await recordAudit(ctx, db, { organizationId: access.org.id, action: "token.created", target: { type: "token", id: created.id }, changes: tokenChanges(created) });
  return created;
}

export async function listServiceAccountTokens(db: Executor, access: OrgAccess, userId: string, page: PageRequest) {
  await ownServiceAccount(db, access.org.id, userId);
  return listUserTokens(db, userId, page);
}

/** Revoking is idempotent: an already revoked token answers 204 and logs nothing. */
export async function revokeServiceAccountToken(ctx: Ctx, db: Executor, access: OrgAccess, userId: string, tokenId: string): Promise<Token> {
  await ownServiceAccount(db, access.org.id, userId);
  const row = await findUserToken(db, userId, tokenId);
  if (!row) throw notFound("token", tokenId);
  if (!row.revoked_at) await revokeTokenWithAudit(ctx, db, access.org.id, tokenId);
  return toToken(row, ctx.now);
}
