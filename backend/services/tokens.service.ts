import type { z } from "zod";
import type { createdToken, Token, tokenInput } from "../../schema/token";
import { notFound } from "../auth/access";
import { invalidField } from "../http/validate";
import { hashSecret, newId, newSecret, redact, statusOf, TOKEN_PREFIX } from "../auth/credentials";
import { longestIdleMs, tokenBornAt } from "../auth/org-policy";
import type { Executor } from "../store/db";
import { findUserToken, insertToken, listUserTokens, revokeToken } from "../store/tokens.repository";
import type { PageRequest } from "../store/page";
import type { TokenRow } from "../store/tables";
import { Changes, recordAudit } from "./audit.service";
import { compact, Ctx } from "./context";

export type CreatedToken = z.infer<typeof createdToken>;

export function toToken(row: TokenRow, now: string): Token {
  return compact({
    id: row.id,
    userId: row.user_id,
    name: row.name,
    redactedValue: row.redacted,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    status: statusOf(row, now),
    signIn: signInOf(row),
    createdAt: row.created_at,
  });
}

/** Where and how a person signed in: what an organization's SSO and MFA policy asks of a token. */
export interface SignInFacts {
  issuer: string;
  subject: string;
  authTime?: string;
  mfa: boolean;
}

/** What a token minted with another token inherits: its age, its longest idle time, its expiry and its sign-in. */
export interface Lineage {
  ageFrom: string;
  idleMaxSeconds: number;
  /** The parent's expiry: the child expires then at the latest. */
  expiresAt: string | null;
  signIn?: SignInFacts;
}

/** The sign-in a token row records, if it comes from one. */
export function signInOf(row: TokenRow): SignInFacts | undefined {
  if (row.sso_issuer === null || row.sso_subject === null) return undefined;
  return compact({ issuer: row.sso_issuer, subject: row.sso_subject, authTime: row.sso_auth_time, mfa: row.sso_mfa === 1 });
}

/** The child's expiry: what it asked for, never later than its parent's (absent: the parent's). */
function expiryOf(now: string, expiresInDays: number | undefined, lineage?: Lineage): string | null {
  const asked = expiresInDays === undefined ? null : new Date(Date.parse(now) + expiresInDays * 86_400_000).toISOString();
  const ceiling = lineage?.expiresAt ?? null;
  if (ceiling === null) return asked;
  if (asked === null) return ceiling;
  if (asked > ceiling) {
    throw invalidField("expiresInDays", `must not outlive the token that mints it, which expires at ${ceiling}; leave it out to expire then, or ask for fewer days`);
  }
  return asked;
}

/**
 * Mints a management token for a user. The value exists only in the returned object; the store
 * keeps its hash. `value` lets the bootstrap path install the operator's chosen string.
 */
export async function mintToken(db: Executor, userId: string, name: string, now: string, expiresInDays?: number, value = newSecret(TOKEN_PREFIX), lineage?: Lineage): Promise<CreatedToken> {
  const row: TokenRow = {
    id: newId("tok"),
    user_id: userId,
    name,
    hash: hashSecret(value),
    redacted: redact(value),
    expires_at: expiryOf(now, expiresInDays, lineage),
    last_used_at: null,
    revoked_at: null,
    created_at: now,
    age_from: lineage?.ageFrom ?? null,
    idle_max_seconds: lineage?.idleMaxSeconds ?? null,
    sso_issuer: lineage?.signIn?.issuer ?? null,
    sso_subject: lineage?.signIn?.subject ?? null,
    sso_auth_time: lineage?.signIn?.authTime ?? null,
    sso_mfa: lineage?.signIn ? Number(lineage.signIn.mfa) : null,
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

/** What a token minted with the caller's token inherits from it. */
export function lineageOf(ctx: Ctx): Lineage {
  const parent = ctx.caller.token;
  return { ageFrom: tokenBornAt(parent), idleMaxSeconds: Math.floor(longestIdleMs(parent, Date.parse(ctx.now)) / 1000), expiresAt: parent.expires_at, signIn: signInOf(parent) };
}

/**
 * A token minted with a token is its child: it keeps the parent's age, idle record and expiry, so
 * no organization's maxTokenLifetimeDays or idleTimeoutMinutes, and no short-lived token's end, is
 * escaped by minting (README.md).
 */
export async function createOwnToken(ctx: Ctx, db: Executor, input: z.output<typeof tokenInput>): Promise<CreatedToken> {
  const created = await mintToken(db, ctx.caller.user.id, input.name, ctx.now, input.expiresInDays, undefined, lineageOf(ctx));
  // A person's own tokens belong to no organization: the event is kept but served by no org log.
  await recordAudit(ctx, db, { organizationId: null, action: "token.created", target: { type: "token", id: created.id }, changes: tokenChanges(created) });
  return created;
}

export function listOwnTokens(ctx: Ctx, db: Executor, page: PageRequest) {
  return listUserTokens(db, ctx.caller.user.id, page);
}

export async function getOwnToken(ctx: Ctx, db: Executor, tokenId: string): Promise<Token> {
  const row = await findUserToken(db, ctx.caller.user.id, tokenId);
  if (!row) throw notFound("token", tokenId);
  return toToken(row, ctx.now);
}

export async function revokeOwnToken(ctx: Ctx, db: Executor, tokenId: string): Promise<void> {
  const row = await findUserToken(db, ctx.caller.user.id, tokenId);
  if (!row) throw notFound("token", tokenId);
  if (row.revoked_at) return;
  // A service account's tokens are its organization's business: its log shows the revocation.
  await revokeTokenWithAudit(ctx, db, ctx.caller.user.organization_id ?? null, tokenId);
}

/** Revokes an active token, and says so in the audit log of `organizationId` (none for a person's own). */
export async function revokeTokenWithAudit(ctx: Ctx, db: Executor, organizationId: string | null, tokenId: string): Promise<void> {
  await revokeToken(db, tokenId, ctx.now);
  await recordAudit(ctx, db, { organizationId, action: "token.revoked", target: { type: "token", id: tokenId }, changes: { status: { from: "active", to: "revoked" } } });
}
