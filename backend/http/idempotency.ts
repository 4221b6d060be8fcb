import { createHash } from "node:crypto";
import { TenancyError } from "../../schema/errors";
import type { Executor, Store } from "../store/db";
import { findIdempotencyRecord, insertIdempotencyRecord } from "../store/idempotency.repository";
import type { IdempotencyRow } from "../store/tables";
import { canonicalJson } from "../../schema/canonical-json";
import { Reply, versionOf } from "./route";
import { invalidField } from "./validate";

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** An `Idempotency-Key` request: keys are per caller; the fingerprint is method, path and body. */
export interface IdempotentRequest {
  userId: string;
  key: string;
  fingerprint: string;
}

export function idempotentRequest(header: string | string[] | undefined, userId: string, path: string, body: unknown): IdempotentRequest | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!KEY_RE.test(key)) throw invalidField("Idempotency-Key", "must be 1-255 visible ASCII characters");
  return { userId, key, fingerprint: createHash("sha256").update(`POST ${path} ${canonicalJson(body)}`).digest("hex") };
}

/** What may be stored and replayed: never a secret, which exists only in the first response. */
function withoutSecrets(body: object): object {
  const { secret: _secret, token: _token, acceptUrl: _acceptUrl, ...rest } = body as Record<string, unknown>;
  return rest;
}

function replay(record: IdempotencyRow, fingerprint: string): Reply {
  if (record.fingerprint !== fingerprint) {
    throw new TenancyError("idempotency_mismatch", "idempotency-key was already used with a different request; use a new key for a new request");
  }
  const body: unknown = JSON.parse(record.response);
  // A replayed creation is 200 (nothing was created this time); an alternate answer (202: an
  // invitation instead of a membership) keeps its status, which says what the body is.
  return { status: record.status === 201 ? 200 : record.status, body, etag: versionOf(body) };
}

/** Inside the request's transaction, before the create: the earlier answer to replay, if any. */
export async function earlierAnswer(trx: Executor, req: IdempotentRequest): Promise<Reply | undefined> {
  const earlier = await findIdempotencyRecord(trx, req.userId, req.key);
  return earlier && replay(earlier, req.fingerprint);
}

/** In the same transaction as the create: a crash can never keep one without the other. */
export async function rememberAnswer(trx: Executor, req: IdempotentRequest, reply: Reply, now: string): Promise<void> {
  await insertIdempotencyRecord(trx, { user_id: req.userId, key: req.key, fingerprint: req.fingerprint, status: reply.status, response: JSON.stringify(withoutSecrets(reply.body as object)), created_at: now });
}

/** After a failed create: a concurrent request with the same key may have won the race. */
export async function winnerAnswer(store: Store, req: IdempotentRequest): Promise<Reply | undefined> {
  const winner = await findIdempotencyRecord(store.db, req.userId, req.key);
  return winner && replay(winner, req.fingerprint);
}
