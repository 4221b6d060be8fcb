import type { LimitName } from "../schema/usage";

/** The problem body the backend answers with on an error (DESIGN.md, "Errors"). */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  /** Which limit refused an authorize or a batch (429). */
  limit?: LimitName | "usageEventsPerSecond" | "gatewayEventsPerSecond";
}

/** The backend answered with an error the caller must act on (400, 401, 403, 429 …). */
export class GatewayError extends Error {
  readonly status: number;
  readonly code: string;
  readonly limit?: Problem["limit"];
  /** From `Retry-After` on a 429 or 503: when asking again can succeed; absent when no wait will. */
  readonly retryAfterSeconds?: number;

  constructor(problem: Problem, retryAfterSeconds?: number) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = "GatewayError";
    this.status = problem.status;
    this.code = problem.code;
    this.limit = problem.limit;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The backend could not be reached, or kept answering 5xx, through every try. */
export class GatewayUnavailableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: the backend did not answer after retries (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = "GatewayUnavailableError";
  }
}
