import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { TenancyError } from "../../schema/errors";
import { invalidField } from "./validate";
import { constraintOf } from "../store/migrations/constraints";

function dbConflict(error: { code?: string; message?: string; constraint?: string }): TenancyError | undefined {
  const unique = error.code === "23505" || error.code === "SQLITE_CONSTRAINT_UNIQUE" || error.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
  const constraint = unique ? constraintOf(error) : undefined;
  return constraint && new TenancyError(constraint.code, constraint.message);
}

function transient(error: { code?: string }): boolean {
  // PostgreSQL serialization failure / deadlock, SQLite busy: safe for the client to retry.
  return error.code === "40001" || error.code === "40P01" || error.code === "SQLITE_BUSY";
}

/** Any thrown value → the one error vocabulary; undefined means "unexpected" (a 500). */
export function toTenancyError(error: unknown): TenancyError | undefined {
  if (error instanceof TenancyError) return error;
  const e = error as FastifyError & { constraint?: string };
  if (e?.code === "FST_ERR_CTP_BODY_TOO_LARGE" || e?.statusCode === 413) {
    return new TenancyError("payload_too_large", "the request body is larger than this server accepts");
  }
  if (e?.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || e?.statusCode === 415) {
    return invalidField("content-type", "must be application/json (or application/merge-patch+json for PATCH)");
  }
  if (e?.statusCode === 400 || e instanceof SyntaxError) {
    // Never echo the parser's message: it quotes the body, which may hold anything.
    return invalidField("(body)", "must be a valid JSON document");
  }
  const conflict = dbConflict(e ?? {});
  if (conflict) return conflict;
  if (transient(e ?? {})) return new TenancyError("unavailable", "the store is busy; retry shortly", { retryAfterSeconds: 1 });
  return undefined;
}

export function sendProblem(reply: FastifyReply, error: TenancyError, requestId: string): FastifyReply {
  reply.header("x-request-id", requestId);
  if (error.extras.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.extras.retryAfterSeconds));
  return reply.status(error.status).type("application/problem+json").send(error.toProblem(requestId));
}

/** The one error handler: known failures become problem+json; anything else a fixed 500, logged. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toTenancyError(error);
  if (known) {
    if (known.status >= 500) request.log.warn({ err: error }, "request failed");
    return sendProblem(reply, known, request.id);
  }
  request.log.error({ err: error }, "request failed");
  return sendProblem(reply, new TenancyError("internal", "the server failed to handle this request; it has been logged under this requestId"), request.id);
}
