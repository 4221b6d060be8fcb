import { tokenInput } from "../../schema/token";
import type { Token } from "../../schema/token";
import type { z } from "zod";
import type { createdToken } from "../../schema/token";
import { isIdOf, notFound } from "../auth/access";
import { hashSecret, newId, newSecret, redact, TOKEN_PREFIX } from "../auth/credentials";
import { parseInput } from "../http/validate";
import type { Executor, Trx } from "../store/db";
import { findUserToken, insertToken, listUserTokens, revokeToken } from "../store/tokens.repository";
import type { PageRequest } from "../store/page";
import type { TokenRow } from "../store/tables";
import { Changes, recordAudit } from "./audit.service";
import { compact, Ctx, transaction } from "./context";

export type CreatedToken = z.infer<typeof createdToken>;

export function toToken(row: TokenRow, now: string): Token {
  const status = row.revoked_at ? "revoked" : row.expires_at && row.expires_at <= now ? "expired" : "active";
  return compact({
    id: row.id,
    userId: row.user_id,
    name: row.name,
    redactedValue: row.redacted,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    status,
    createdAt: row.created_at,
  });
}

/**
 * Mints a management token for a user. The value exists only in the returned object; the store
 * keeps its hash. `value` lets the bootstrap path install the operator's chosen string.
 */
export async function mintToken(db: Executor, userId: string, name: string, now: string, expiresInDays?: number, value = newSecret(TOKEN_PREFIX)): Promise<CreatedToken> {
  const row: TokenRow = {
    id: newId("tok"),
    user_id: userId,
    name,
    hash: hashSecret(value),
    redacted: redact(value),
    expires_at: expiresInDays === undefined ? null : new Date(Date.parse(now) + expiresInDays * 86_400_000).toISOString(),
    last_used_at: null,
    revoked_at: null,
    created_at: now,
  };
  await insertToken(db, row);
  return { ...toToken(row, now), token: value };
}

/** `changes` of a token event: what identifies it, never the value. */
export function tokenChanges(t: Token): Changes {
  const changes: Changes = { name: { from: null, to: t.name }, userId: { from: null, to: t.userId } };
  if (t.expiresAt) changes.expiresAt = { from: null, to: t.expiresAt };
  return changes;
}

export async function createOwnToken(ctx: Ctx, trx: Trx, body: unknown): Promise<CreatedToken> {
  const input = parseInput(tokenInput, body);
  const created = await mintToken(trx, ctx.caller.user.id, input.name, ctx.now, input.expiresInDays);
  // A person's own tokens belong to no organization: the event is kept but served by no org log.
  await recordAudit(ctx, trx, { organizationId: null, action: "token.created", target: { type: "token", id: created.id }, changes: tokenChanges(created) });
  return created;
}

export async function listOwnTokens(ctx: Ctx, page: PageRequest) {
  return listUserTokens(ctx.store.db, ctx.caller.user.id, page);
}

export async function getOwnToken(ctx: Ctx, tokenId: string): Promise<Token> {
  const row = isIdOf("token", tokenId) ? await findUserToken(ctx.store.db, ctx.caller.user.id, tokenId) : undefined;
  if (!row) throw notFound("token", tokenId);
  return toToken(row, ctx.now);
}

export async function revokeOwnToken(ctx: Ctx, tokenId: string): Promise<void> {
  await transaction(ctx, async (trx) => {
    const row = isIdOf("token", tokenId) ? await findUserToken(trx, ctx.caller.user.id, tokenId) : undefined;
    if (!row) throw notFound("token", tokenId);
    if (row.revoked_at) return;
    await revokeToken(trx, tokenId, ctx.now);
    await recordAudit(ctx, trx, { organizationId: null, action: "token.revoked", target: { type: "token", id: tokenId }, changes: { status: { from: "active", to: "revoked" } } });
  });
}
