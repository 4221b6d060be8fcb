import type { Token } from "../../schema/token";
import { tokenPatch } from "../../schema/token";
import { notFound, OrgAccess } from "../auth/access";
import { mergeAndValidate } from "../http/merge-patch";
import type { Executor } from "../store/db";
import { findUserToken, setTokenExpiry } from "../store/tokens.repository";
import { recordAudit } from "./audit.service";
import { compact, Ctx } from "./context";
import { broughtForward } from "./expiry.service";
import { ownServiceAccount } from "./service-accounts.service";
import { toToken } from "./tokens.service";

/** Brings a service account's token's expiry forward (never back): a rotation's overlap ending. */
export async function updateServiceAccountToken(ctx: Ctx, db: Executor, access: OrgAccess, userId: string, tokenId: string, patch: Record<string, unknown>): Promise<Token> {
  await ownServiceAccount(db, access.org.id, userId);
  const row = await findUserToken(db, userId, tokenId);
  if (!row) throw notFound("token", tokenId);
  const input = mergeAndValidate(tokenPatch, compact({ expiresAt: row.expires_at }), patch);
  const expiresAt = broughtForward(row.expires_at, input.expiresAt ?? null);
  if (expiresAt === row.expires_at) return toToken(row, ctx.now);
  await setTokenExpiry(db, tokenId, expiresAt);
  await recordAudit(ctx, db, { organizationId: access.org.id, action: "token.updated", target: { type: "token", id: tokenId }, changes: { expiresAt: { from: row.expires_at, to: expiresAt } } });
  return toToken((await findUserToken(db, userId, tokenId))!, ctx.now);
}
