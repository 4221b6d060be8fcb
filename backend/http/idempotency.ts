import { createHash } from "node:crypto";
import { TenancyError } from "../../schema/errors";
import type { Trx } from "../store/db";
import { findIdempotencyRecord, insertIdempotencyRecord } from "../store/idempotency.repository";
import type { IdempotencyRow } from "../store/tables";
import { canonicalJson } from "./merge-patch";
import { invalidField } from "./validate";
import type { Call, Reply } from "./route";

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** What may be stored and replayed: never a secret, which exists only in the first response. */
function withoutSecrets(body: object): object {
  const { secret: _secret, token: _token, ...rest } = body as Record<string, unknown>;
  return rest;
}

function replay(record: IdempotencyRow, fingerprint: string): Reply {
  if (record.fingerprint !== fingerprint) {
    throw new TenancyError("idempotency_mismatch", "idempotency-key was already used with a different request; use a new key for a new request");
  }
  return { status: 200, body: JSON.parse(record.response) };
}

/**
 * A create with `Idempotency-Key` support: keys are per caller; the record is written in the
 * same transaction as the object, so a crash can never keep one without the other. The same
 * key and body replay the first answer with 200; another body gets 422.
 */
export async function created(call: Call, create: (trx: Trx) => Promise<object>): Promise<Reply> {
  const { ctx } = call;
  const header = call.headers["idempotency-key"];
  if (header === undefined) return { status: 201, body: await ctx.store.db.transaction().execute(create) };
  const key = Array.isArray(header) ? header[0] : header;
  if (!KEY_RE.test(key)) {
    const message = "must be 1-255 visible ASCII characters";
    throw invalidField("Idempotency-Key", message);
  }
  const userId = ctx.caller.user.id;
  const fingerprint = createHash("sha256").update(`POST ${call.path} ${canonicalJson(call.body)}`).digest("hex");
  const earlier = await findIdempotencyRecord(ctx.store.db, userId, key);
  if (earlier) return replay(earlier, fingerprint);
  try {
    const body = await ctx.store.db.transaction().execute(async (trx) => {
      const obj = await create(trx);
      await insertIdempotencyRecord(trx, { user_id: userId, key, fingerprint, status: 201, response: JSON.stringify(withoutSecrets(obj)), created_at: ctx.now });
      return obj;
    });
    return { status: 201, body };
  } catch (error) {
    // A concurrent request with the same key won the race (and may have made this one fail on a
    // name or unique index): answer as its replay.
    const winner = await findIdempotencyRecord(ctx.store.db, userId, key);
    if (winner) return replay(winner, fingerprint);
    throw error;
  }
}
